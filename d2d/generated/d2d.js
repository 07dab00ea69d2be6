/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const d2d = $root.d2d = (() => {

    /**
     * Namespace d2d.
     * @exports d2d
     * @namespace
     */
    const d2d = {};

    d2d.SharedDeviceData = (function() {

        /**
         * Properties of a SharedDeviceData.
         * @typedef {Object} d2d.SharedDeviceData.$Properties
         * @property {Uint8Array|null} [padding] SharedDeviceData padding
         * @property {number|null} [version] SharedDeviceData version
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a SharedDeviceData.
         * @memberof d2d
         * @interface ISharedDeviceData
         * @augments d2d.SharedDeviceData.$Properties
         * @deprecated Use d2d.SharedDeviceData.$Properties instead.
         */

        /**
         * Shape of a SharedDeviceData.
         * @typedef {d2d.SharedDeviceData.$Properties} d2d.SharedDeviceData.$Shape
         */

        /**
         * Constructs a new SharedDeviceData.
         * @memberof d2d
         * @classdesc Represents a SharedDeviceData.
         * @constructor
         * @param {d2d.SharedDeviceData.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const SharedDeviceData = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * SharedDeviceData padding.
         * @member {Uint8Array} padding
         * @memberof d2d.SharedDeviceData
         * @instance
         */
        SharedDeviceData.prototype.padding = $util.newBuffer([]);

        /**
         * SharedDeviceData version.
         * @member {number} version
         * @memberof d2d.SharedDeviceData
         * @instance
         */
        SharedDeviceData.prototype.version = 0;

        /**
         * Encodes the specified SharedDeviceData message. Does not implicitly {@link d2d.SharedDeviceData.verify|verify} messages.
         * @function encode
         * @memberof d2d.SharedDeviceData
         * @static
         * @param {d2d.SharedDeviceData.$Properties} message SharedDeviceData message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        SharedDeviceData.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.padding != null && $Object.hasOwnProperty.call(message, "padding") && message.padding.length)
                writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.padding);
            if (message.version != null && $Object.hasOwnProperty.call(message, "version") && message.version !== 0)
                writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.version);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a SharedDeviceData message from the specified reader or buffer.
         * @function decode
         * @memberof d2d.SharedDeviceData
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2d.SharedDeviceData & d2d.SharedDeviceData.$Shape} SharedDeviceData
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        SharedDeviceData.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.d2d.SharedDeviceData();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.padding = value;
                        else
                            delete message.padding;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.version = value;
                        else
                            delete message.version;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return SharedDeviceData;
    })();

    d2d.DeviceInfo = (function() {

        /**
         * Properties of a DeviceInfo.
         * @typedef {Object} d2d.DeviceInfo.$Properties
         * @property {Uint8Array|null} [padding] DeviceInfo padding
         * @property {d2d.DeviceInfo.Platform|null} [platform] DeviceInfo platform
         * @property {string|null} [platformDetails] DeviceInfo platformDetails
         * @property {string|null} [appVersion] DeviceInfo appVersion
         * @property {string|null} [label] DeviceInfo label
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a DeviceInfo.
         * @memberof d2d
         * @interface IDeviceInfo
         * @augments d2d.DeviceInfo.$Properties
         * @deprecated Use d2d.DeviceInfo.$Properties instead.
         */

        /**
         * Shape of a DeviceInfo.
         * @typedef {d2d.DeviceInfo.$Properties} d2d.DeviceInfo.$Shape
         */

        /**
         * Constructs a new DeviceInfo.
         * @memberof d2d
         * @classdesc Represents a DeviceInfo.
         * @constructor
         * @param {d2d.DeviceInfo.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const DeviceInfo = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * DeviceInfo padding.
         * @member {Uint8Array} padding
         * @memberof d2d.DeviceInfo
         * @instance
         */
        DeviceInfo.prototype.padding = $util.newBuffer([]);

        /**
         * DeviceInfo platform.
         * @member {d2d.DeviceInfo.Platform} platform
         * @memberof d2d.DeviceInfo
         * @instance
         */
        DeviceInfo.prototype.platform = 0;

        /**
         * DeviceInfo platformDetails.
         * @member {string} platformDetails
         * @memberof d2d.DeviceInfo
         * @instance
         */
        DeviceInfo.prototype.platformDetails = "";

        /**
         * DeviceInfo appVersion.
         * @member {string} appVersion
         * @memberof d2d.DeviceInfo
         * @instance
         */
        DeviceInfo.prototype.appVersion = "";

        /**
         * DeviceInfo label.
         * @member {string} label
         * @memberof d2d.DeviceInfo
         * @instance
         */
        DeviceInfo.prototype.label = "";

        /**
         * Encodes the specified DeviceInfo message. Does not implicitly {@link d2d.DeviceInfo.verify|verify} messages.
         * @function encode
         * @memberof d2d.DeviceInfo
         * @static
         * @param {d2d.DeviceInfo.$Properties} message DeviceInfo message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        DeviceInfo.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.padding != null && $Object.hasOwnProperty.call(message, "padding") && message.padding.length)
                writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.padding);
            if (message.platform != null && $Object.hasOwnProperty.call(message, "platform") && message.platform !== 0)
                writer.uint32(/* id 2, wireType 0 =*/16).int32(message.platform);
            if (message.platformDetails != null && $Object.hasOwnProperty.call(message, "platformDetails") && message.platformDetails !== "")
                writer.uint32(/* id 3, wireType 2 =*/26).string(message.platformDetails);
            if (message.appVersion != null && $Object.hasOwnProperty.call(message, "appVersion") && message.appVersion !== "")
                writer.uint32(/* id 4, wireType 2 =*/34).string(message.appVersion);
            if (message.label != null && $Object.hasOwnProperty.call(message, "label") && message.label !== "")
                writer.uint32(/* id 5, wireType 2 =*/42).string(message.label);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a DeviceInfo message from the specified reader or buffer.
         * @function decode
         * @memberof d2d.DeviceInfo
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2d.DeviceInfo & d2d.DeviceInfo.$Shape} DeviceInfo
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        DeviceInfo.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.d2d.DeviceInfo();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.padding = value;
                        else
                            delete message.padding;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.int32())
                            message.platform = value;
                        else
                            delete message.platform;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.platformDetails = value;
                        else
                            delete message.platformDetails;
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.appVersion = value;
                        else
                            delete message.appVersion;
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.stringVerify()).length)
                            message.label = value;
                        else
                            delete message.label;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        /**
         * Platform enum.
         * @name d2d.DeviceInfo.Platform
         * @enum {number}
         * @property {number} UNSPECIFIED=0 UNSPECIFIED value
         * @property {number} ANDROID=1 ANDROID value
         * @property {number} IOS=2 IOS value
         * @property {number} DESKTOP=3 DESKTOP value
         * @property {number} WEB=4 WEB value
         */
        DeviceInfo.Platform = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "UNSPECIFIED"] = 0;
            values[valuesById[1] = "ANDROID"] = 1;
            values[valuesById[2] = "IOS"] = 2;
            values[valuesById[3] = "DESKTOP"] = 3;
            values[valuesById[4] = "WEB"] = 4;
            return values;
        })();

        return DeviceInfo;
    })();

    d2d.TransactionScope = (function() {

        /**
         * Properties of a TransactionScope.
         * @typedef {Object} d2d.TransactionScope.$Properties
         * @property {d2d.TransactionScope.Scope|null} [scope] TransactionScope scope
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a TransactionScope.
         * @memberof d2d
         * @interface ITransactionScope
         * @augments d2d.TransactionScope.$Properties
         * @deprecated Use d2d.TransactionScope.$Properties instead.
         */

        /**
         * Shape of a TransactionScope.
         * @typedef {d2d.TransactionScope.$Properties} d2d.TransactionScope.$Shape
         */

        /**
         * Constructs a new TransactionScope.
         * @memberof d2d
         * @classdesc Represents a TransactionScope.
         * @constructor
         * @param {d2d.TransactionScope.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const TransactionScope = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * TransactionScope scope.
         * @member {d2d.TransactionScope.Scope} scope
         * @memberof d2d.TransactionScope
         * @instance
         */
        TransactionScope.prototype.scope = 0;

        /**
         * Encodes the specified TransactionScope message. Does not implicitly {@link d2d.TransactionScope.verify|verify} messages.
         * @function encode
         * @memberof d2d.TransactionScope
         * @static
         * @param {d2d.TransactionScope.$Properties} message TransactionScope message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        TransactionScope.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.scope != null && $Object.hasOwnProperty.call(message, "scope") && message.scope !== 0)
                writer.uint32(/* id 1, wireType 0 =*/8).int32(message.scope);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a TransactionScope message from the specified reader or buffer.
         * @function decode
         * @memberof d2d.TransactionScope
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2d.TransactionScope & d2d.TransactionScope.$Shape} TransactionScope
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        TransactionScope.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.d2d.TransactionScope();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.int32())
                            message.scope = value;
                        else
                            delete message.scope;
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        /**
         * Scope enum.
         * @name d2d.TransactionScope.Scope
         * @enum {number}
         * @property {number} USER_PROFILE_SYNC=0 USER_PROFILE_SYNC value
         * @property {number} CONTACT_SYNC=1 CONTACT_SYNC value
         * @property {number} GROUP_SYNC=2 GROUP_SYNC value
         * @property {number} DISTRIBUTION_LIST_SYNC=3 DISTRIBUTION_LIST_SYNC value
         * @property {number} SETTINGS_SYNC=4 SETTINGS_SYNC value
         * @property {number} MDM_PARAMETER_SYNC=5 MDM_PARAMETER_SYNC value
         * @property {number} NEW_DEVICE_SYNC=6 NEW_DEVICE_SYNC value
         */
        TransactionScope.Scope = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "USER_PROFILE_SYNC"] = 0;
            values[valuesById[1] = "CONTACT_SYNC"] = 1;
            values[valuesById[2] = "GROUP_SYNC"] = 2;
            values[valuesById[3] = "DISTRIBUTION_LIST_SYNC"] = 3;
            values[valuesById[4] = "SETTINGS_SYNC"] = 4;
            values[valuesById[5] = "MDM_PARAMETER_SYNC"] = 5;
            values[valuesById[6] = "NEW_DEVICE_SYNC"] = 6;
            return values;
        })();

        return TransactionScope;
    })();

    d2d.Envelope = (function() {

        /**
         * Properties of an Envelope.
         * @typedef {Object} d2d.Envelope.$Properties
         * @property {Uint8Array|null} [padding] Envelope padding
         * @property {number|Long|null} [deviceId] Envelope deviceId
         * @property {Uint8Array|null} [outgoingMessage] Envelope outgoingMessage
         * @property {Uint8Array|null} [incomingMessage] Envelope incomingMessage
         * @property {Uint8Array|null} [userProfileSync] Envelope userProfileSync
         * @property {Uint8Array|null} [contactSync] Envelope contactSync
         * @property {Uint8Array|null} [groupSync] Envelope groupSync
         * @property {Uint8Array|null} [distributionListSync] Envelope distributionListSync
         * @property {Uint8Array|null} [settingsSync] Envelope settingsSync
         * @property {Uint8Array|null} [outgoingMessageUpdate] Envelope outgoingMessageUpdate
         * @property {Uint8Array|null} [incomingMessageUpdate] Envelope incomingMessageUpdate
         * @property {Uint8Array|null} [mdmParameterSync] Envelope mdmParameterSync
         * @property {"outgoingMessage"|"incomingMessage"|"userProfileSync"|"contactSync"|"groupSync"|"distributionListSync"|"settingsSync"|"outgoingMessageUpdate"|"incomingMessageUpdate"|"mdmParameterSync"} [content] Envelope content
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of an Envelope.
         * @memberof d2d
         * @interface IEnvelope
         * @augments d2d.Envelope.$Properties
         * @deprecated Use d2d.Envelope.$Properties instead.
         */

        /**
         * Narrowed shape of an Envelope.
         * @typedef {{
         *   padding?: Uint8Array|null;
         *   deviceId?: number|Long|null;
         *   outgoingMessage?: Uint8Array|null;
         *   incomingMessage?: Uint8Array|null;
         *   userProfileSync?: Uint8Array|null;
         *   contactSync?: Uint8Array|null;
         *   groupSync?: Uint8Array|null;
         *   distributionListSync?: Uint8Array|null;
         *   settingsSync?: Uint8Array|null;
         *   outgoingMessageUpdate?: Uint8Array|null;
         *   incomingMessageUpdate?: Uint8Array|null;
         *   mdmParameterSync?: Uint8Array|null;
         *   $unknowns?: Array.<Uint8Array>;
         * } & (
         *   ({ content?: undefined; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "outgoingMessage"; outgoingMessage: Uint8Array; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "incomingMessage"; outgoingMessage?: null; incomingMessage: Uint8Array; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "userProfileSync"; outgoingMessage?: null; incomingMessage?: null; userProfileSync: Uint8Array; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "contactSync"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync: Uint8Array; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "groupSync"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync: Uint8Array; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "distributionListSync"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync: Uint8Array; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "settingsSync"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync: Uint8Array; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "outgoingMessageUpdate"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate: Uint8Array; incomingMessageUpdate?: null; mdmParameterSync?: null }|{ content?: "incomingMessageUpdate"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate: Uint8Array; mdmParameterSync?: null }|{ content?: "mdmParameterSync"; outgoingMessage?: null; incomingMessage?: null; userProfileSync?: null; contactSync?: null; groupSync?: null; distributionListSync?: null; settingsSync?: null; outgoingMessageUpdate?: null; incomingMessageUpdate?: null; mdmParameterSync: Uint8Array })
         * )} d2d.Envelope.$Shape
         */

        /**
         * Constructs a new Envelope.
         * @memberof d2d
         * @classdesc Represents an Envelope.
         * @constructor
         * @param {d2d.Envelope.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const Envelope = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Envelope padding.
         * @member {Uint8Array} padding
         * @memberof d2d.Envelope
         * @instance
         */
        Envelope.prototype.padding = $util.newBuffer([]);

        /**
         * Envelope deviceId.
         * @member {number|Long} deviceId
         * @memberof d2d.Envelope
         * @instance
         */
        Envelope.prototype.deviceId = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Envelope outgoingMessage.
         * @member {Uint8Array|null|undefined} outgoingMessage
         * @memberof d2d.Envelope
         * @instance
         */
        Envelope.prototype.outgoingMessage = null;

        /**
         * Envelope incomingMessage.
         * @member {Uint8Array|null|undefined} incomingMessage
         * @memberof d2d.Envelope
         * @instance
         */
        Envelope.prototype.incomingMessage = null;

        /**
         * Envelope userProfileSync.
         * @member {Uint8Array|null|undefined} userProfileSync
         * @memberof d2d.Envelope
         * @instance
         */
        Envelope.prototype.userProfileSync = null;

        /**
         * Envelope contactSync.
         * @member {Uint8Array|null|undefined} contactSync
         * @memberof d2d.Envelope
         * @instance
         */
        Envelope.prototype.contactSync = null;

        /**
         * Envelope groupSync.
         * @member {Uint8Array|null|undefined} groupSync
         * @memberof d2d.Envelope
         * @instance
         */
        Envelope.prototype.groupSync = null;

        /**
         * Envelope distributionListSync.
         * @member {Uint8Array|null|undefined} distributionListSync
         * @memberof d2d.Envelope
         * @instance
         */
        Envelope.prototype.distributionListSync = null;

        /**
         * Envelope settingsSync.
         * @member {Uint8Array|null|undefined} settingsSync
         * @memberof d2d.Envelope
         * @instance
         */
        Envelope.prototype.settingsSync = null;

        /**
         * Envelope outgoingMessageUpdate.
         * @member {Uint8Array|null|undefined} outgoingMessageUpdate
         * @memberof d2d.Envelope
         * @instance
         */
        Envelope.prototype.outgoingMessageUpdate = null;

        /**
         * Envelope incomingMessageUpdate.
         * @member {Uint8Array|null|undefined} incomingMessageUpdate
         * @memberof d2d.Envelope
         * @instance
         */
        Envelope.prototype.incomingMessageUpdate = null;

        /**
         * Envelope mdmParameterSync.
         * @member {Uint8Array|null|undefined} mdmParameterSync
         * @memberof d2d.Envelope
         * @instance
         */
        Envelope.prototype.mdmParameterSync = null;

        // OneOf field names bound to virtual getters and setters
        let $oneOfFields;

        /**
         * Envelope content.
         * @member {"outgoingMessage"|"incomingMessage"|"userProfileSync"|"contactSync"|"groupSync"|"distributionListSync"|"settingsSync"|"outgoingMessageUpdate"|"incomingMessageUpdate"|"mdmParameterSync"|undefined} content
         * @memberof d2d.Envelope
         * @instance
         */
        $Object.defineProperty(Envelope.prototype, "content", {
            get: $util.oneOfGetter($oneOfFields = ["outgoingMessage", "incomingMessage", "userProfileSync", "contactSync", "groupSync", "distributionListSync", "settingsSync", "outgoingMessageUpdate", "incomingMessageUpdate", "mdmParameterSync"]),
            set: $util.oneOfSetter($oneOfFields)
        });

        /**
         * Encodes the specified Envelope message. Does not implicitly {@link d2d.Envelope.verify|verify} messages.
         * @function encode
         * @memberof d2d.Envelope
         * @static
         * @param {d2d.Envelope.$Properties} message Envelope message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        Envelope.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.padding != null && $Object.hasOwnProperty.call(message, "padding") && message.padding.length)
                writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.padding);
            if (message.outgoingMessage != null && $Object.hasOwnProperty.call(message, "outgoingMessage"))
                writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.outgoingMessage);
            if (message.incomingMessage != null && $Object.hasOwnProperty.call(message, "incomingMessage"))
                writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.incomingMessage);
            if (message.userProfileSync != null && $Object.hasOwnProperty.call(message, "userProfileSync"))
                writer.uint32(/* id 5, wireType 2 =*/42).bytes(message.userProfileSync);
            if (message.contactSync != null && $Object.hasOwnProperty.call(message, "contactSync"))
                writer.uint32(/* id 6, wireType 2 =*/50).bytes(message.contactSync);
            if (message.groupSync != null && $Object.hasOwnProperty.call(message, "groupSync"))
                writer.uint32(/* id 7, wireType 2 =*/58).bytes(message.groupSync);
            if (message.distributionListSync != null && $Object.hasOwnProperty.call(message, "distributionListSync"))
                writer.uint32(/* id 8, wireType 2 =*/66).bytes(message.distributionListSync);
            if (message.settingsSync != null && $Object.hasOwnProperty.call(message, "settingsSync"))
                writer.uint32(/* id 9, wireType 2 =*/74).bytes(message.settingsSync);
            if (message.outgoingMessageUpdate != null && $Object.hasOwnProperty.call(message, "outgoingMessageUpdate"))
                writer.uint32(/* id 10, wireType 2 =*/82).bytes(message.outgoingMessageUpdate);
            if (message.incomingMessageUpdate != null && $Object.hasOwnProperty.call(message, "incomingMessageUpdate"))
                writer.uint32(/* id 11, wireType 2 =*/90).bytes(message.incomingMessageUpdate);
            if (message.mdmParameterSync != null && $Object.hasOwnProperty.call(message, "mdmParameterSync"))
                writer.uint32(/* id 12, wireType 2 =*/98).bytes(message.mdmParameterSync);
            if (message.deviceId != null && $Object.hasOwnProperty.call(message, "deviceId") && (typeof message.deviceId === "object" ? message.deviceId.low || message.deviceId.high : message.deviceId !== 0))
                writer.uint32(/* id 13, wireType 1 =*/105).fixed64(message.deviceId);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes an Envelope message from the specified reader or buffer.
         * @function decode
         * @memberof d2d.Envelope
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2d.Envelope & d2d.Envelope.$Shape} Envelope
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        Envelope.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.d2d.Envelope();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.padding = value;
                        else
                            delete message.padding;
                        continue;
                    }
                case 13: {
                        if (wireType !== 1)
                            break;
                        if (typeof (value = reader.fixed64()) === "object" ? value.low || value.high : value !== 0)
                            message.deviceId = value;
                        else
                            delete message.deviceId;
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        message.outgoingMessage = reader.bytes();
                        message.content = "outgoingMessage";
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        message.incomingMessage = reader.bytes();
                        message.content = "incomingMessage";
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        message.userProfileSync = reader.bytes();
                        message.content = "userProfileSync";
                        continue;
                    }
                case 6: {
                        if (wireType !== 2)
                            break;
                        message.contactSync = reader.bytes();
                        message.content = "contactSync";
                        continue;
                    }
                case 7: {
                        if (wireType !== 2)
                            break;
                        message.groupSync = reader.bytes();
                        message.content = "groupSync";
                        continue;
                    }
                case 8: {
                        if (wireType !== 2)
                            break;
                        message.distributionListSync = reader.bytes();
                        message.content = "distributionListSync";
                        continue;
                    }
                case 9: {
                        if (wireType !== 2)
                            break;
                        message.settingsSync = reader.bytes();
                        message.content = "settingsSync";
                        continue;
                    }
                case 10: {
                        if (wireType !== 2)
                            break;
                        message.outgoingMessageUpdate = reader.bytes();
                        message.content = "outgoingMessageUpdate";
                        continue;
                    }
                case 11: {
                        if (wireType !== 2)
                            break;
                        message.incomingMessageUpdate = reader.bytes();
                        message.content = "incomingMessageUpdate";
                        continue;
                    }
                case 12: {
                        if (wireType !== 2)
                            break;
                        message.mdmParameterSync = reader.bytes();
                        message.content = "mdmParameterSync";
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return Envelope;
    })();

    return d2d;
})();

export {
  $root as default
};
