import * as $protobuf from "protobufjs";
import Long = require("long");

export namespace d2d {

    interface ISharedDeviceData extends d2d.SharedDeviceData.$Properties {
    }

    class SharedDeviceData {
        constructor(properties?: d2d.SharedDeviceData.$Properties);
        $unknowns?: Uint8Array[];
        padding: Uint8Array;
        version: number;
        static encode(message: d2d.SharedDeviceData.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2d.SharedDeviceData & d2d.SharedDeviceData.$Shape;
    }

    namespace SharedDeviceData {
        interface $Properties {
            padding?: (Uint8Array|null);
            version?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2d.SharedDeviceData.$Properties;
    }

    interface IDeviceInfo extends d2d.DeviceInfo.$Properties {
    }

    class DeviceInfo {
        constructor(properties?: d2d.DeviceInfo.$Properties);
        $unknowns?: Uint8Array[];
        padding: Uint8Array;
        platform: d2d.DeviceInfo.Platform;
        platformDetails: string;
        appVersion: string;
        label: string;
        static encode(message: d2d.DeviceInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2d.DeviceInfo & d2d.DeviceInfo.$Shape;
    }

    namespace DeviceInfo {
        interface $Properties {
            padding?: (Uint8Array|null);
            platform?: (d2d.DeviceInfo.Platform|null);
            platformDetails?: (string|null);
            appVersion?: (string|null);
            label?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2d.DeviceInfo.$Properties;

        enum Platform {
            UNSPECIFIED = 0,
            ANDROID = 1,
            IOS = 2,
            DESKTOP = 3,
            WEB = 4
        }
    }

    interface ITransactionScope extends d2d.TransactionScope.$Properties {
    }

    class TransactionScope {
        constructor(properties?: d2d.TransactionScope.$Properties);
        $unknowns?: Uint8Array[];
        scope: d2d.TransactionScope.Scope;
        static encode(message: d2d.TransactionScope.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2d.TransactionScope & d2d.TransactionScope.$Shape;
    }

    namespace TransactionScope {
        interface $Properties {
            scope?: (d2d.TransactionScope.Scope|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2d.TransactionScope.$Properties;

        enum Scope {
            USER_PROFILE_SYNC = 0,
            CONTACT_SYNC = 1,
            GROUP_SYNC = 2,
            DISTRIBUTION_LIST_SYNC = 3,
            SETTINGS_SYNC = 4,
            MDM_PARAMETER_SYNC = 5,
            NEW_DEVICE_SYNC = 6
        }
    }

    interface IEnvelope extends d2d.Envelope.$Properties {
    }

    class Envelope {
        constructor(properties?: d2d.Envelope.$Properties);
        $unknowns?: Uint8Array[];
        padding: Uint8Array;
        deviceId: (number|Long);
        outgoingMessage?: (Uint8Array|null);
        incomingMessage?: (Uint8Array|null);
        userProfileSync?: (Uint8Array|null);
        contactSync?: (Uint8Array|null);
        groupSync?: (Uint8Array|null);
        distributionListSync?: (Uint8Array|null);
        settingsSync?: (Uint8Array|null);
        outgoingMessageUpdate?: (Uint8Array|null);
        incomingMessageUpdate?: (Uint8Array|null);
        mdmParameterSync?: (Uint8Array|null);
        content?: ("outgoingMessage"|"incomingMessage"|"userProfileSync"|"contactSync"|"groupSync"|"distributionListSync"|"settingsSync"|"outgoingMessageUpdate"|"incomingMessageUpdate"|"mdmParameterSync");
        static encode(message: d2d.Envelope.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2d.Envelope & d2d.Envelope.$Shape;
    }

    namespace Envelope {
        interface $Properties {
            padding?: (Uint8Array|null);
            deviceId?: (number|Long|null);
            outgoingMessage?: (Uint8Array|null);
            incomingMessage?: (Uint8Array|null);
            userProfileSync?: (Uint8Array|null);
            contactSync?: (Uint8Array|null);
            groupSync?: (Uint8Array|null);
            distributionListSync?: (Uint8Array|null);
            settingsSync?: (Uint8Array|null);
            outgoingMessageUpdate?: (Uint8Array|null);
            incomingMessageUpdate?: (Uint8Array|null);
            mdmParameterSync?: (Uint8Array|null);
            content?: ("outgoingMessage"|"incomingMessage"|"userProfileSync"|"contactSync"|"groupSync"|"distributionListSync"|"settingsSync"|"outgoingMessageUpdate"|"incomingMessageUpdate"|"mdmParameterSync");
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          padding?: Uint8Array|null;
          deviceId?: number|Long|null;
          outgoingMessage?: Uint8Array|null;
          incomingMessage?: Uint8Array|null;
          userProfileSync?: Uint8Array|null;
          contactSync?: Uint8Array|null;
          groupSync?: Uint8Array|null;
          distributionListSync?: Uint8Array|null;
          settingsSync?: Uint8Array|null;
          outgoingMessageUpdate?: Uint8Array|null;
          incomingMessageUpdate?: Uint8Array|null;
          mdmParameterSync?: Uint8Array|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ content?: undefined; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "outgoingMessage"; outgoingMessage: Uint8Array; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "incomingMessage"; outgoingMessage?: null; incomingMessage: Uint8Array; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "userProfileSync"; outgoingMessage?: null; incomingMessage?: null; userProfileSync: Uint8Array; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "contactSync"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync: Uint8Array; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "groupSync"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync: Uint8Array; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "distributionListSync"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync: Uint8Array; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "settingsSync"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync: Uint8Array; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "outgoingMessageUpdate"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate: Uint8Array; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "incomingMessageUpdate"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate: Uint8Array; mdmParameterSync?: null }|{ content?: "mdmParameterSync"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync: Uint8Array })
        );
    }
}
