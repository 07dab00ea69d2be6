import * as $protobuf from "protobufjs";
import Long = require("long");

export namespace d2m {

    enum ProtocolVersion {
        INITIAL = 0
    }

    enum DeviceSlotExpirationPolicy {
        VOLATILE = 0,
        PERSISTENT = 1
    }

    enum DeviceSlotState {
        NEW = 0,
        EXISTING = 1
    }

    interface IClientUrlInfo extends d2m.ClientUrlInfo.$Properties {
    }

    class ClientUrlInfo {
        constructor(properties?: d2m.ClientUrlInfo.$Properties);
        $unknowns?: Uint8Array[];
        deviceGroupId: Uint8Array;
        serverGroupU32?: (number|null);
        serverGroup?: (string|null);
        static encode(message: d2m.ClientUrlInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.ClientUrlInfo & d2m.ClientUrlInfo.$Shape;
    }

    namespace ClientUrlInfo {
        interface $Properties {
            deviceGroupId?: (Uint8Array|null);
            serverGroupU32?: (number|null);
            serverGroup?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.ClientUrlInfo.$Properties;
    }

    interface IServerHello extends d2m.ServerHello.$Properties {
    }

    class ServerHello {
        constructor(properties?: d2m.ServerHello.$Properties);
        $unknowns?: Uint8Array[];
        version: number;
        esk: Uint8Array;
        challenge: Uint8Array;
        static encode(message: d2m.ServerHello.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.ServerHello & d2m.ServerHello.$Shape;
    }

    namespace ServerHello {
        interface $Properties {
            version?: (number|null);
            esk?: (Uint8Array|null);
            challenge?: (Uint8Array|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.ServerHello.$Properties;
    }

    interface IClientHello extends d2m.ClientHello.$Properties {
    }

    class ClientHello {
        constructor(properties?: d2m.ClientHello.$Properties);
        $unknowns?: Uint8Array[];
        version: number;
        response: Uint8Array;
        deviceId: (number|Long);
        deviceSlotsExhaustedPolicy: d2m.ClientHello.DeviceSlotsExhaustedPolicy;
        deviceSlotExpirationPolicy: d2m.DeviceSlotExpirationPolicy;
        encryptedDeviceInfo: Uint8Array;
        expectedDeviceSlotState?: (d2m.DeviceSlotState|null);
        static encode(message: d2m.ClientHello.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.ClientHello & d2m.ClientHello.$Shape;
    }

    namespace ClientHello {
        interface $Properties {
            version?: (number|null);
            response?: (Uint8Array|null);
            deviceId?: (number|Long|null);
            deviceSlotsExhaustedPolicy?: (d2m.ClientHello.DeviceSlotsExhaustedPolicy|null);
            deviceSlotExpirationPolicy?: (d2m.DeviceSlotExpirationPolicy|null);
            encryptedDeviceInfo?: (Uint8Array|null);
            expectedDeviceSlotState?: (d2m.DeviceSlotState|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.ClientHello.$Properties;

        enum DeviceSlotsExhaustedPolicy {
            REJECT = 0,
            DROP_LEAST_RECENT = 1
        }
    }

    interface IServerInfo extends d2m.ServerInfo.$Properties {
    }

    class ServerInfo {
        constructor(properties?: d2m.ServerInfo.$Properties);
        $unknowns?: Uint8Array[];
        maxDeviceSlots: number;
        deviceSlotState: d2m.DeviceSlotState;
        encryptedSharedDeviceData: Uint8Array;
        currentTime: (number|Long);
        reflectionQueueLength: number;
        static encode(message: d2m.ServerInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.ServerInfo & d2m.ServerInfo.$Shape;
    }

    namespace ServerInfo {
        interface $Properties {
            maxDeviceSlots?: (number|null);
            deviceSlotState?: (d2m.DeviceSlotState|null);
            encryptedSharedDeviceData?: (Uint8Array|null);
            currentTime?: (number|Long|null);
            reflectionQueueLength?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.ServerInfo.$Properties;
    }

    interface IReflectionQueueDry extends d2m.ReflectionQueueDry.$Properties {
    }

    class ReflectionQueueDry {
        constructor(properties?: d2m.ReflectionQueueDry.$Properties);
        $unknowns?: Uint8Array[];
        static encode(message: d2m.ReflectionQueueDry.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.ReflectionQueueDry & d2m.ReflectionQueueDry.$Shape;
    }

    namespace ReflectionQueueDry {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.ReflectionQueueDry.$Properties;
    }

    interface IRolePromotedToLeader extends d2m.RolePromotedToLeader.$Properties {
    }

    class RolePromotedToLeader {
        constructor(properties?: d2m.RolePromotedToLeader.$Properties);
        $unknowns?: Uint8Array[];
        static encode(message: d2m.RolePromotedToLeader.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.RolePromotedToLeader & d2m.RolePromotedToLeader.$Shape;
    }

    namespace RolePromotedToLeader {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.RolePromotedToLeader.$Properties;
    }

    interface IGetDevicesInfo extends d2m.GetDevicesInfo.$Properties {
    }

    class GetDevicesInfo {
        constructor(properties?: d2m.GetDevicesInfo.$Properties);
        $unknowns?: Uint8Array[];
        static encode(message: d2m.GetDevicesInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.GetDevicesInfo & d2m.GetDevicesInfo.$Shape;
    }

    namespace GetDevicesInfo {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.GetDevicesInfo.$Properties;
    }

    interface IDevicesInfo extends d2m.DevicesInfo.$Properties {
    }

    class DevicesInfo {
        constructor(properties?: d2m.DevicesInfo.$Properties);
        $unknowns?: Uint8Array[];
        augmentedDeviceInfo: { [k: string]: d2m.DevicesInfo.AugmentedDeviceInfo.$Properties };
        static encode(message: d2m.DevicesInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.DevicesInfo & d2m.DevicesInfo.$Shape;
    }

    namespace DevicesInfo {
        interface $Properties {
            augmentedDeviceInfo?: ({ [k: string]: d2m.DevicesInfo.AugmentedDeviceInfo.$Properties }|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.DevicesInfo.$Properties;

        interface IAugmentedDeviceInfo extends d2m.DevicesInfo.AugmentedDeviceInfo.$Properties {
        }

        class AugmentedDeviceInfo {
            constructor(properties?: d2m.DevicesInfo.AugmentedDeviceInfo.$Properties);
            $unknowns?: Uint8Array[];
            encryptedDeviceInfo: Uint8Array;
            connectedSince: (number|Long);
            deviceSlotExpirationPolicy: d2m.DeviceSlotExpirationPolicy;
            lastDisconnectAt?: (number|Long|null);
            static encode(message: d2m.DevicesInfo.AugmentedDeviceInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.DevicesInfo.AugmentedDeviceInfo & d2m.DevicesInfo.AugmentedDeviceInfo.$Shape;
        }

        namespace AugmentedDeviceInfo {
            interface $Properties {
                encryptedDeviceInfo?: (Uint8Array|null);
                connectedSince?: (number|Long|null);
                deviceSlotExpirationPolicy?: (d2m.DeviceSlotExpirationPolicy|null);
                lastDisconnectAt?: (number|Long|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = d2m.DevicesInfo.AugmentedDeviceInfo.$Properties;
        }
    }

    interface IDropDevice extends d2m.DropDevice.$Properties {
    }

    class DropDevice {
        constructor(properties?: d2m.DropDevice.$Properties);
        $unknowns?: Uint8Array[];
        deviceId: (number|Long);
        static encode(message: d2m.DropDevice.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.DropDevice & d2m.DropDevice.$Shape;
    }

    namespace DropDevice {
        interface $Properties {
            deviceId?: (number|Long|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.DropDevice.$Properties;
    }

    interface IDropDeviceAck extends d2m.DropDeviceAck.$Properties {
    }

    class DropDeviceAck {
        constructor(properties?: d2m.DropDeviceAck.$Properties);
        $unknowns?: Uint8Array[];
        deviceId: (number|Long);
        static encode(message: d2m.DropDeviceAck.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.DropDeviceAck & d2m.DropDeviceAck.$Shape;
    }

    namespace DropDeviceAck {
        interface $Properties {
            deviceId?: (number|Long|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.DropDeviceAck.$Properties;
    }

    interface ISetSharedDeviceData extends d2m.SetSharedDeviceData.$Properties {
    }

    class SetSharedDeviceData {
        constructor(properties?: d2m.SetSharedDeviceData.$Properties);
        $unknowns?: Uint8Array[];
        encryptedSharedDeviceData: Uint8Array;
        static encode(message: d2m.SetSharedDeviceData.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.SetSharedDeviceData & d2m.SetSharedDeviceData.$Shape;
    }

    namespace SetSharedDeviceData {
        interface $Properties {
            encryptedSharedDeviceData?: (Uint8Array|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.SetSharedDeviceData.$Properties;
    }

    interface IBeginTransaction extends d2m.BeginTransaction.$Properties {
    }

    class BeginTransaction {
        constructor(properties?: d2m.BeginTransaction.$Properties);
        $unknowns?: Uint8Array[];
        encryptedScope: Uint8Array;
        ttl: number;
        static encode(message: d2m.BeginTransaction.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.BeginTransaction & d2m.BeginTransaction.$Shape;
    }

    namespace BeginTransaction {
        interface $Properties {
            encryptedScope?: (Uint8Array|null);
            ttl?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.BeginTransaction.$Properties;
    }

    interface IBeginTransactionAck extends d2m.BeginTransactionAck.$Properties {
    }

    class BeginTransactionAck {
        constructor(properties?: d2m.BeginTransactionAck.$Properties);
        $unknowns?: Uint8Array[];
        static encode(message: d2m.BeginTransactionAck.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.BeginTransactionAck & d2m.BeginTransactionAck.$Shape;
    }

    namespace BeginTransactionAck {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.BeginTransactionAck.$Properties;
    }

    interface ICommitTransaction extends d2m.CommitTransaction.$Properties {
    }

    class CommitTransaction {
        constructor(properties?: d2m.CommitTransaction.$Properties);
        $unknowns?: Uint8Array[];
        static encode(message: d2m.CommitTransaction.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.CommitTransaction & d2m.CommitTransaction.$Shape;
    }

    namespace CommitTransaction {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.CommitTransaction.$Properties;
    }

    interface ICommitTransactionAck extends d2m.CommitTransactionAck.$Properties {
    }

    class CommitTransactionAck {
        constructor(properties?: d2m.CommitTransactionAck.$Properties);
        $unknowns?: Uint8Array[];
        static encode(message: d2m.CommitTransactionAck.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.CommitTransactionAck & d2m.CommitTransactionAck.$Shape;
    }

    namespace CommitTransactionAck {
        interface $Properties {
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.CommitTransactionAck.$Properties;
    }

    interface ITransactionRejected extends d2m.TransactionRejected.$Properties {
    }

    class TransactionRejected {
        constructor(properties?: d2m.TransactionRejected.$Properties);
        $unknowns?: Uint8Array[];
        deviceId: (number|Long);
        encryptedScope: Uint8Array;
        static encode(message: d2m.TransactionRejected.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.TransactionRejected & d2m.TransactionRejected.$Shape;
    }

    namespace TransactionRejected {
        interface $Properties {
            deviceId?: (number|Long|null);
            encryptedScope?: (Uint8Array|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.TransactionRejected.$Properties;
    }

    interface ITransactionEnded extends d2m.TransactionEnded.$Properties {
    }

    class TransactionEnded {
        constructor(properties?: d2m.TransactionEnded.$Properties);
        $unknowns?: Uint8Array[];
        deviceId: (number|Long);
        encryptedScope: Uint8Array;
        static encode(message: d2m.TransactionEnded.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): d2m.TransactionEnded & d2m.TransactionEnded.$Shape;
    }

    namespace TransactionEnded {
        interface $Properties {
            deviceId?: (number|Long|null);
            encryptedScope?: (Uint8Array|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = d2m.TransactionEnded.$Properties;
    }
}
