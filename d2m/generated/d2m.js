/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const d2m = $root.d2m = (() => {

    /**
     * Namespace d2m.
     * @exports d2m
     * @namespace
     */
    const d2m = {};

    /**
     * ProtocolVersion enum.
     * @name d2m.ProtocolVersion
     * @enum {number}
     * @property {number} INITIAL=0 INITIAL value
     */
    d2m.ProtocolVersion = (function() {
        const valuesById = $Object.create(null), values = $Object.create(valuesById);
        values[valuesById[0] = "INITIAL"] = 0;
        return values;
    })();

    /**
     * DeviceSlotExpirationPolicy enum.
     * @name d2m.DeviceSlotExpirationPolicy
     * @enum {number}
     * @property {number} VOLATILE=0 VOLATILE value
     * @property {number} PERSISTENT=1 PERSISTENT value
     */
    d2m.DeviceSlotExpirationPolicy = (function() {
        const valuesById = $Object.create(null), values = $Object.create(valuesById);
        values[valuesById[0] = "VOLATILE"] = 0;
        values[valuesById[1] = "PERSISTENT"] = 1;
        return values;
    })();

    /**
     * DeviceSlotState enum.
     * @name d2m.DeviceSlotState
     * @enum {number}
     * @property {number} NEW=0 NEW value
     * @property {number} EXISTING=1 EXISTING value
     */
    d2m.DeviceSlotState = (function() {
        const valuesById = $Object.create(null), values = $Object.create(valuesById);
        values[valuesById[0] = "NEW"] = 0;
        values[valuesById[1] = "EXISTING"] = 1;
        return values;
    })();

    d2m.ClientUrlInfo = (function() {

        /**
         * Properties of a ClientUrlInfo.
         * @typedef {Object} d2m.ClientUrlInfo.$Properties
         * @property {Uint8Array|null} [deviceGroupId] ClientUrlInfo deviceGroupId
         * @property {number|null} [serverGroupU32] ClientUrlInfo serverGroupU32
         * @property {string|null} [serverGroup] ClientUrlInfo serverGroup
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ClientUrlInfo.
         * @memberof d2m
         * @interface IClientUrlInfo
         * @augments d2m.ClientUrlInfo.$Properties
         * @deprecated Use d2m.ClientUrlInfo.$Properties instead.
         */

        /**
         * Shape of a ClientUrlInfo.
         * @typedef {d2m.ClientUrlInfo.$Properties} d2m.ClientUrlInfo.$Shape
         */

        /**
         * Constructs a new ClientUrlInfo.
         * @memberof d2m
         * @classdesc Represents a ClientUrlInfo.
         * @constructor
         * @param {d2m.ClientUrlInfo.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const ClientUrlInfo = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * ClientUrlInfo deviceGroupId.
         * @member {Uint8Array} deviceGroupId
         * @memberof d2m.ClientUrlInfo
         * @instance
         */
        ClientUrlInfo.prototype.deviceGroupId = $util.newBuffer([]);

        /**
         * ClientUrlInfo serverGroupU32.
         * @member {number|null|undefined} serverGroupU32
         * @memberof d2m.ClientUrlInfo
         * @instance
         */
        ClientUrlInfo.prototype.serverGroupU32 = null;

        /**
         * ClientUrlInfo serverGroup.
         * @member {string|null|undefined} serverGroup
         * @memberof d2m.ClientUrlInfo
         * @instance
         */
        ClientUrlInfo.prototype.serverGroup = null;

        // OneOf field names bound to virtual getters and setters
        let $oneOfFields;

        // Virtual OneOf for proto3 optional field
        $Object.defineProperty(ClientUrlInfo.prototype, "_serverGroupU32", {
            get: $util.oneOfGetter($oneOfFields = ["serverGroupU32"]),
            set: $util.oneOfSetter($oneOfFields)
        });

        // Virtual OneOf for proto3 optional field
        $Object.defineProperty(ClientUrlInfo.prototype, "_serverGroup", {
            get: $util.oneOfGetter($oneOfFields = ["serverGroup"]),
            set: $util.oneOfSetter($oneOfFields)
        });

        /**
         * Encodes the specified ClientUrlInfo message. Does not implicitly {@link d2m.ClientUrlInfo.verify|verify} messages.
         * @function encode
         * @memberof d2m.ClientUrlInfo
         * @static
         * @param {d2m.ClientUrlInfo.$Properties} message ClientUrlInfo message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        ClientUrlInfo.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.deviceGroupId != null && $Object.hasOwnProperty.call(message, "deviceGroupId") && message.deviceGroupId.length)
                writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.deviceGroupId);
            if (message.serverGroupU32 != null && $Object.hasOwnProperty.call(message, "serverGroupU32"))
                writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.serverGroupU32);
            if (message.serverGroup != null && $Object.hasOwnProperty.call(message, "serverGroup"))
                writer.uint32(/* id 3, wireType 2 =*/26).string(message.serverGroup);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a ClientUrlInfo message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.ClientUrlInfo
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.ClientUrlInfo & d2m.ClientUrlInfo.$Shape} ClientUrlInfo
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ClientUrlInfo.decode = function (reader, length, _end, _depth, _target) {
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
            message = _target || new $root.d2m.ClientUrlInfo();
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
                            message.deviceGroupId = value;
                        else
                            delete message.deviceGroupId;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        message.serverGroupU32 = reader.uint32();
                        message._serverGroupU32 = "serverGroupU32";
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        message.serverGroup = reader.stringVerify();
                        message._serverGroup = "serverGroup";
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

        return ClientUrlInfo;
    })();

    d2m.ServerHello = (function() {

        /**
         * Properties of a ServerHello.
         * @typedef {Object} d2m.ServerHello.$Properties
         * @property {number|null} [version] ServerHello version
         * @property {Uint8Array|null} [esk] ServerHello esk
         * @property {Uint8Array|null} [challenge] ServerHello challenge
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ServerHello.
         * @memberof d2m
         * @interface IServerHello
         * @augments d2m.ServerHello.$Properties
         * @deprecated Use d2m.ServerHello.$Properties instead.
         */

        /**
         * Shape of a ServerHello.
         * @typedef {d2m.ServerHello.$Properties} d2m.ServerHello.$Shape
         */

        /**
         * Constructs a new ServerHello.
         * @memberof d2m
         * @classdesc Represents a ServerHello.
         * @constructor
         * @param {d2m.ServerHello.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const ServerHello = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * ServerHello version.
         * @member {number} version
         * @memberof d2m.ServerHello
         * @instance
         */
        ServerHello.prototype.version = 0;

        /**
         * ServerHello esk.
         * @member {Uint8Array} esk
         * @memberof d2m.ServerHello
         * @instance
         */
        ServerHello.prototype.esk = $util.newBuffer([]);

        /**
         * ServerHello challenge.
         * @member {Uint8Array} challenge
         * @memberof d2m.ServerHello
         * @instance
         */
        ServerHello.prototype.challenge = $util.newBuffer([]);

        /**
         * Encodes the specified ServerHello message. Does not implicitly {@link d2m.ServerHello.verify|verify} messages.
         * @function encode
         * @memberof d2m.ServerHello
         * @static
         * @param {d2m.ServerHello.$Properties} message ServerHello message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        ServerHello.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.version != null && $Object.hasOwnProperty.call(message, "version") && message.version !== 0)
                writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.version);
            if (message.esk != null && $Object.hasOwnProperty.call(message, "esk") && message.esk.length)
                writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.esk);
            if (message.challenge != null && $Object.hasOwnProperty.call(message, "challenge") && message.challenge.length)
                writer.uint32(/* id 3, wireType 2 =*/26).bytes(message.challenge);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a ServerHello message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.ServerHello
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.ServerHello & d2m.ServerHello.$Shape} ServerHello
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ServerHello.decode = function (reader, length, _end, _depth, _target) {
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
            message = _target || new $root.d2m.ServerHello();
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
                        if (value = reader.uint32())
                            message.version = value;
                        else
                            delete message.version;
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.esk = value;
                        else
                            delete message.esk;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.challenge = value;
                        else
                            delete message.challenge;
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

        return ServerHello;
    })();

    d2m.ClientHello = (function() {

        /**
         * Properties of a ClientHello.
         * @typedef {Object} d2m.ClientHello.$Properties
         * @property {number|null} [version] ClientHello version
         * @property {Uint8Array|null} [response] ClientHello response
         * @property {number|Long|null} [deviceId] ClientHello deviceId
         * @property {d2m.ClientHello.DeviceSlotsExhaustedPolicy|null} [deviceSlotsExhaustedPolicy] ClientHello deviceSlotsExhaustedPolicy
         * @property {d2m.DeviceSlotExpirationPolicy|null} [deviceSlotExpirationPolicy] ClientHello deviceSlotExpirationPolicy
         * @property {Uint8Array|null} [encryptedDeviceInfo] ClientHello encryptedDeviceInfo
         * @property {d2m.DeviceSlotState|null} [expectedDeviceSlotState] ClientHello expectedDeviceSlotState
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ClientHello.
         * @memberof d2m
         * @interface IClientHello
         * @augments d2m.ClientHello.$Properties
         * @deprecated Use d2m.ClientHello.$Properties instead.
         */

        /**
         * Shape of a ClientHello.
         * @typedef {d2m.ClientHello.$Properties} d2m.ClientHello.$Shape
         */

        /**
         * Constructs a new ClientHello.
         * @memberof d2m
         * @classdesc Represents a ClientHello.
         * @constructor
         * @param {d2m.ClientHello.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const ClientHello = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * ClientHello version.
         * @member {number} version
         * @memberof d2m.ClientHello
         * @instance
         */
        ClientHello.prototype.version = 0;

        /**
         * ClientHello response.
         * @member {Uint8Array} response
         * @memberof d2m.ClientHello
         * @instance
         */
        ClientHello.prototype.response = $util.newBuffer([]);

        /**
         * ClientHello deviceId.
         * @member {number|Long} deviceId
         * @memberof d2m.ClientHello
         * @instance
         */
        ClientHello.prototype.deviceId = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * ClientHello deviceSlotsExhaustedPolicy.
         * @member {d2m.ClientHello.DeviceSlotsExhaustedPolicy} deviceSlotsExhaustedPolicy
         * @memberof d2m.ClientHello
         * @instance
         */
        ClientHello.prototype.deviceSlotsExhaustedPolicy = 0;

        /**
         * ClientHello deviceSlotExpirationPolicy.
         * @member {d2m.DeviceSlotExpirationPolicy} deviceSlotExpirationPolicy
         * @memberof d2m.ClientHello
         * @instance
         */
        ClientHello.prototype.deviceSlotExpirationPolicy = 0;

        /**
         * ClientHello encryptedDeviceInfo.
         * @member {Uint8Array} encryptedDeviceInfo
         * @memberof d2m.ClientHello
         * @instance
         */
        ClientHello.prototype.encryptedDeviceInfo = $util.newBuffer([]);

        /**
         * ClientHello expectedDeviceSlotState.
         * @member {d2m.DeviceSlotState|null|undefined} expectedDeviceSlotState
         * @memberof d2m.ClientHello
         * @instance
         */
        ClientHello.prototype.expectedDeviceSlotState = null;

        // OneOf field names bound to virtual getters and setters
        let $oneOfFields;

        // Virtual OneOf for proto3 optional field
        $Object.defineProperty(ClientHello.prototype, "_expectedDeviceSlotState", {
            get: $util.oneOfGetter($oneOfFields = ["expectedDeviceSlotState"]),
            set: $util.oneOfSetter($oneOfFields)
        });

        /**
         * Encodes the specified ClientHello message. Does not implicitly {@link d2m.ClientHello.verify|verify} messages.
         * @function encode
         * @memberof d2m.ClientHello
         * @static
         * @param {d2m.ClientHello.$Properties} message ClientHello message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        ClientHello.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.version != null && $Object.hasOwnProperty.call(message, "version") && message.version !== 0)
                writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.version);
            if (message.response != null && $Object.hasOwnProperty.call(message, "response") && message.response.length)
                writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.response);
            if (message.deviceId != null && $Object.hasOwnProperty.call(message, "deviceId") && (typeof message.deviceId === "object" ? message.deviceId.low || message.deviceId.high : message.deviceId !== 0))
                writer.uint32(/* id 3, wireType 1 =*/25).fixed64(message.deviceId);
            if (message.deviceSlotsExhaustedPolicy != null && $Object.hasOwnProperty.call(message, "deviceSlotsExhaustedPolicy") && message.deviceSlotsExhaustedPolicy !== 0)
                writer.uint32(/* id 4, wireType 0 =*/32).int32(message.deviceSlotsExhaustedPolicy);
            if (message.deviceSlotExpirationPolicy != null && $Object.hasOwnProperty.call(message, "deviceSlotExpirationPolicy") && message.deviceSlotExpirationPolicy !== 0)
                writer.uint32(/* id 5, wireType 0 =*/40).int32(message.deviceSlotExpirationPolicy);
            if (message.encryptedDeviceInfo != null && $Object.hasOwnProperty.call(message, "encryptedDeviceInfo") && message.encryptedDeviceInfo.length)
                writer.uint32(/* id 6, wireType 2 =*/50).bytes(message.encryptedDeviceInfo);
            if (message.expectedDeviceSlotState != null && $Object.hasOwnProperty.call(message, "expectedDeviceSlotState"))
                writer.uint32(/* id 7, wireType 0 =*/56).int32(message.expectedDeviceSlotState);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a ClientHello message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.ClientHello
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.ClientHello & d2m.ClientHello.$Shape} ClientHello
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ClientHello.decode = function (reader, length, _end, _depth, _target) {
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
            message = _target || new $root.d2m.ClientHello();
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
                        if (value = reader.uint32())
                            message.version = value;
                        else
                            delete message.version;
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.response = value;
                        else
                            delete message.response;
                        continue;
                    }
                case 3: {
                        if (wireType !== 1)
                            break;
                        if (typeof (value = reader.fixed64()) === "object" ? value.low || value.high : value !== 0)
                            message.deviceId = value;
                        else
                            delete message.deviceId;
                        continue;
                    }
                case 4: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.int32())
                            message.deviceSlotsExhaustedPolicy = value;
                        else
                            delete message.deviceSlotsExhaustedPolicy;
                        continue;
                    }
                case 5: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.int32())
                            message.deviceSlotExpirationPolicy = value;
                        else
                            delete message.deviceSlotExpirationPolicy;
                        continue;
                    }
                case 6: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.encryptedDeviceInfo = value;
                        else
                            delete message.encryptedDeviceInfo;
                        continue;
                    }
                case 7: {
                        if (wireType !== 0)
                            break;
                        message.expectedDeviceSlotState = reader.int32();
                        message._expectedDeviceSlotState = "expectedDeviceSlotState";
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
         * DeviceSlotsExhaustedPolicy enum.
         * @name d2m.ClientHello.DeviceSlotsExhaustedPolicy
         * @enum {number}
         * @property {number} REJECT=0 REJECT value
         * @property {number} DROP_LEAST_RECENT=1 DROP_LEAST_RECENT value
         */
        ClientHello.DeviceSlotsExhaustedPolicy = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "REJECT"] = 0;
            values[valuesById[1] = "DROP_LEAST_RECENT"] = 1;
            return values;
        })();

        return ClientHello;
    })();

    d2m.ServerInfo = (function() {

        /**
         * Properties of a ServerInfo.
         * @typedef {Object} d2m.ServerInfo.$Properties
         * @property {number|null} [maxDeviceSlots] ServerInfo maxDeviceSlots
         * @property {d2m.DeviceSlotState|null} [deviceSlotState] ServerInfo deviceSlotState
         * @property {Uint8Array|null} [encryptedSharedDeviceData] ServerInfo encryptedSharedDeviceData
         * @property {number|Long|null} [currentTime] ServerInfo currentTime
         * @property {number|null} [reflectionQueueLength] ServerInfo reflectionQueueLength
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ServerInfo.
         * @memberof d2m
         * @interface IServerInfo
         * @augments d2m.ServerInfo.$Properties
         * @deprecated Use d2m.ServerInfo.$Properties instead.
         */

        /**
         * Shape of a ServerInfo.
         * @typedef {d2m.ServerInfo.$Properties} d2m.ServerInfo.$Shape
         */

        /**
         * Constructs a new ServerInfo.
         * @memberof d2m
         * @classdesc Represents a ServerInfo.
         * @constructor
         * @param {d2m.ServerInfo.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const ServerInfo = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * ServerInfo maxDeviceSlots.
         * @member {number} maxDeviceSlots
         * @memberof d2m.ServerInfo
         * @instance
         */
        ServerInfo.prototype.maxDeviceSlots = 0;

        /**
         * ServerInfo deviceSlotState.
         * @member {d2m.DeviceSlotState} deviceSlotState
         * @memberof d2m.ServerInfo
         * @instance
         */
        ServerInfo.prototype.deviceSlotState = 0;

        /**
         * ServerInfo encryptedSharedDeviceData.
         * @member {Uint8Array} encryptedSharedDeviceData
         * @memberof d2m.ServerInfo
         * @instance
         */
        ServerInfo.prototype.encryptedSharedDeviceData = $util.newBuffer([]);

        /**
         * ServerInfo currentTime.
         * @member {number|Long} currentTime
         * @memberof d2m.ServerInfo
         * @instance
         */
        ServerInfo.prototype.currentTime = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * ServerInfo reflectionQueueLength.
         * @member {number} reflectionQueueLength
         * @memberof d2m.ServerInfo
         * @instance
         */
        ServerInfo.prototype.reflectionQueueLength = 0;

        /**
         * Encodes the specified ServerInfo message. Does not implicitly {@link d2m.ServerInfo.verify|verify} messages.
         * @function encode
         * @memberof d2m.ServerInfo
         * @static
         * @param {d2m.ServerInfo.$Properties} message ServerInfo message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        ServerInfo.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.maxDeviceSlots != null && $Object.hasOwnProperty.call(message, "maxDeviceSlots") && message.maxDeviceSlots !== 0)
                writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.maxDeviceSlots);
            if (message.deviceSlotState != null && $Object.hasOwnProperty.call(message, "deviceSlotState") && message.deviceSlotState !== 0)
                writer.uint32(/* id 2, wireType 0 =*/16).int32(message.deviceSlotState);
            if (message.encryptedSharedDeviceData != null && $Object.hasOwnProperty.call(message, "encryptedSharedDeviceData") && message.encryptedSharedDeviceData.length)
                writer.uint32(/* id 3, wireType 2 =*/26).bytes(message.encryptedSharedDeviceData);
            if (message.currentTime != null && $Object.hasOwnProperty.call(message, "currentTime") && (typeof message.currentTime === "object" ? message.currentTime.low || message.currentTime.high : message.currentTime !== 0))
                writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.currentTime);
            if (message.reflectionQueueLength != null && $Object.hasOwnProperty.call(message, "reflectionQueueLength") && message.reflectionQueueLength !== 0)
                writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.reflectionQueueLength);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a ServerInfo message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.ServerInfo
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.ServerInfo & d2m.ServerInfo.$Shape} ServerInfo
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ServerInfo.decode = function (reader, length, _end, _depth, _target) {
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
            message = _target || new $root.d2m.ServerInfo();
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
                        if (value = reader.uint32())
                            message.maxDeviceSlots = value;
                        else
                            delete message.maxDeviceSlots;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.int32())
                            message.deviceSlotState = value;
                        else
                            delete message.deviceSlotState;
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if ((value = reader.bytes()).length)
                            message.encryptedSharedDeviceData = value;
                        else
                            delete message.encryptedSharedDeviceData;
                        continue;
                    }
                case 4: {
                        if (wireType !== 0)
                            break;
                        if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                            message.currentTime = value;
                        else
                            delete message.currentTime;
                        continue;
                    }
                case 5: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.reflectionQueueLength = value;
                        else
                            delete message.reflectionQueueLength;
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

        return ServerInfo;
    })();

    d2m.ReflectionQueueDry = (function() {

        /**
         * Properties of a ReflectionQueueDry.
         * @typedef {Object} d2m.ReflectionQueueDry.$Properties
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ReflectionQueueDry.
         * @memberof d2m
         * @interface IReflectionQueueDry
         * @augments d2m.ReflectionQueueDry.$Properties
         * @deprecated Use d2m.ReflectionQueueDry.$Properties instead.
         */

        /**
         * Shape of a ReflectionQueueDry.
         * @typedef {d2m.ReflectionQueueDry.$Properties} d2m.ReflectionQueueDry.$Shape
         */

        /**
         * Constructs a new ReflectionQueueDry.
         * @memberof d2m
         * @classdesc Represents a ReflectionQueueDry.
         * @constructor
         * @param {d2m.ReflectionQueueDry.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const ReflectionQueueDry = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Encodes the specified ReflectionQueueDry message. Does not implicitly {@link d2m.ReflectionQueueDry.verify|verify} messages.
         * @function encode
         * @memberof d2m.ReflectionQueueDry
         * @static
         * @param {d2m.ReflectionQueueDry.$Properties} message ReflectionQueueDry message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        ReflectionQueueDry.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a ReflectionQueueDry message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.ReflectionQueueDry
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.ReflectionQueueDry & d2m.ReflectionQueueDry.$Shape} ReflectionQueueDry
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ReflectionQueueDry.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.d2m.ReflectionQueueDry();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                reader.skipType(tag & 7, _depth, tag);
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

        return ReflectionQueueDry;
    })();

    d2m.RolePromotedToLeader = (function() {

        /**
         * Properties of a RolePromotedToLeader.
         * @typedef {Object} d2m.RolePromotedToLeader.$Properties
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a RolePromotedToLeader.
         * @memberof d2m
         * @interface IRolePromotedToLeader
         * @augments d2m.RolePromotedToLeader.$Properties
         * @deprecated Use d2m.RolePromotedToLeader.$Properties instead.
         */

        /**
         * Shape of a RolePromotedToLeader.
         * @typedef {d2m.RolePromotedToLeader.$Properties} d2m.RolePromotedToLeader.$Shape
         */

        /**
         * Constructs a new RolePromotedToLeader.
         * @memberof d2m
         * @classdesc Represents a RolePromotedToLeader.
         * @constructor
         * @param {d2m.RolePromotedToLeader.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const RolePromotedToLeader = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Encodes the specified RolePromotedToLeader message. Does not implicitly {@link d2m.RolePromotedToLeader.verify|verify} messages.
         * @function encode
         * @memberof d2m.RolePromotedToLeader
         * @static
         * @param {d2m.RolePromotedToLeader.$Properties} message RolePromotedToLeader message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        RolePromotedToLeader.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a RolePromotedToLeader message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.RolePromotedToLeader
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.RolePromotedToLeader & d2m.RolePromotedToLeader.$Shape} RolePromotedToLeader
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        RolePromotedToLeader.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.d2m.RolePromotedToLeader();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                reader.skipType(tag & 7, _depth, tag);
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

        return RolePromotedToLeader;
    })();

    d2m.GetDevicesInfo = (function() {

        /**
         * Properties of a GetDevicesInfo.
         * @typedef {Object} d2m.GetDevicesInfo.$Properties
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a GetDevicesInfo.
         * @memberof d2m
         * @interface IGetDevicesInfo
         * @augments d2m.GetDevicesInfo.$Properties
         * @deprecated Use d2m.GetDevicesInfo.$Properties instead.
         */

        /**
         * Shape of a GetDevicesInfo.
         * @typedef {d2m.GetDevicesInfo.$Properties} d2m.GetDevicesInfo.$Shape
         */

        /**
         * Constructs a new GetDevicesInfo.
         * @memberof d2m
         * @classdesc Represents a GetDevicesInfo.
         * @constructor
         * @param {d2m.GetDevicesInfo.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const GetDevicesInfo = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Encodes the specified GetDevicesInfo message. Does not implicitly {@link d2m.GetDevicesInfo.verify|verify} messages.
         * @function encode
         * @memberof d2m.GetDevicesInfo
         * @static
         * @param {d2m.GetDevicesInfo.$Properties} message GetDevicesInfo message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        GetDevicesInfo.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a GetDevicesInfo message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.GetDevicesInfo
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.GetDevicesInfo & d2m.GetDevicesInfo.$Shape} GetDevicesInfo
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        GetDevicesInfo.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.d2m.GetDevicesInfo();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                reader.skipType(tag & 7, _depth, tag);
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

        return GetDevicesInfo;
    })();

    d2m.DevicesInfo = (function() {

        /**
         * Properties of a DevicesInfo.
         * @typedef {Object} d2m.DevicesInfo.$Properties
         * @property {Object.<string,d2m.DevicesInfo.AugmentedDeviceInfo.$Properties>|null} [augmentedDeviceInfo] DevicesInfo augmentedDeviceInfo
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a DevicesInfo.
         * @memberof d2m
         * @interface IDevicesInfo
         * @augments d2m.DevicesInfo.$Properties
         * @deprecated Use d2m.DevicesInfo.$Properties instead.
         */

        /**
         * Shape of a DevicesInfo.
         * @typedef {d2m.DevicesInfo.$Properties} d2m.DevicesInfo.$Shape
         */

        /**
         * Constructs a new DevicesInfo.
         * @memberof d2m
         * @classdesc Represents a DevicesInfo.
         * @constructor
         * @param {d2m.DevicesInfo.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const DevicesInfo = function (properties) {
            this.augmentedDeviceInfo = {};
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * DevicesInfo augmentedDeviceInfo.
         * @member {Object.<string,d2m.DevicesInfo.AugmentedDeviceInfo.$Properties>} augmentedDeviceInfo
         * @memberof d2m.DevicesInfo
         * @instance
         */
        DevicesInfo.prototype.augmentedDeviceInfo = $util.emptyObject;

        /**
         * Encodes the specified DevicesInfo message. Does not implicitly {@link d2m.DevicesInfo.verify|verify} messages.
         * @function encode
         * @memberof d2m.DevicesInfo
         * @static
         * @param {d2m.DevicesInfo.$Properties} message DevicesInfo message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        DevicesInfo.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.augmentedDeviceInfo != null && $Object.hasOwnProperty.call(message, "augmentedDeviceInfo"))
                for (let keys = $Object.keys(message.augmentedDeviceInfo), i = 0; i < keys.length; ++i) {
                    writer.uint32(/* id 1, wireType 2 =*/10).fork().uint32(/* id 1, wireType 1 =*/9).fixed64($util.longFromKey(keys[i], true));
                    $root.d2m.DevicesInfo.AugmentedDeviceInfo.encode(message.augmentedDeviceInfo[keys[i]], writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim().ldelim();
                }
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a DevicesInfo message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.DevicesInfo
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.DevicesInfo & d2m.DevicesInfo.$Shape} DevicesInfo
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        DevicesInfo.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, key, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.d2m.DevicesInfo();
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
                        if (message.augmentedDeviceInfo === $util.emptyObject)
                            message.augmentedDeviceInfo = {};
                        let end2 = reader.size() + reader.pos;
                        if (end2 > reader.len)
                            throw $RangeError("index out of range");
                        reader.len = end2;
                        key = 0;
                        value = null;
                        while (reader.pos < end2) {
                            let tag2 = reader.tag();
                            wireType = tag2 & 7;
                            switch (tag2 >>>= 3) {
                            case 1:
                                if (wireType !== 1)
                                    break;
                                key = reader.fixed64();
                                continue;
                            case 2:
                                if (wireType !== 2)
                                    break;
                                value = $root.d2m.DevicesInfo.AugmentedDeviceInfo.decode(reader, reader.size(), $undefined, _depth + 1, value);
                                continue;
                            }
                            reader.skipType(wireType, _depth, tag2);
                        }
                        if (reader.pos !== end2)
                            throw $RangeError("index out of range");
                        reader.len = end;
                        message.augmentedDeviceInfo[typeof key === "object" ? $util.longToHash(key) : key] = value || new $root.d2m.DevicesInfo.AugmentedDeviceInfo();
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

        DevicesInfo.AugmentedDeviceInfo = (function() {

            /**
             * Properties of an AugmentedDeviceInfo.
             * @typedef {Object} d2m.DevicesInfo.AugmentedDeviceInfo.$Properties
             * @property {Uint8Array|null} [encryptedDeviceInfo] AugmentedDeviceInfo encryptedDeviceInfo
             * @property {number|Long|null} [connectedSince] AugmentedDeviceInfo connectedSince
             * @property {d2m.DeviceSlotExpirationPolicy|null} [deviceSlotExpirationPolicy] AugmentedDeviceInfo deviceSlotExpirationPolicy
             * @property {number|Long|null} [lastDisconnectAt] AugmentedDeviceInfo lastDisconnectAt
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an AugmentedDeviceInfo.
             * @memberof d2m.DevicesInfo
             * @interface IAugmentedDeviceInfo
             * @augments d2m.DevicesInfo.AugmentedDeviceInfo.$Properties
             * @deprecated Use d2m.DevicesInfo.AugmentedDeviceInfo.$Properties instead.
             */

            /**
             * Shape of an AugmentedDeviceInfo.
             * @typedef {d2m.DevicesInfo.AugmentedDeviceInfo.$Properties} d2m.DevicesInfo.AugmentedDeviceInfo.$Shape
             */

            /**
             * Constructs a new AugmentedDeviceInfo.
             * @memberof d2m.DevicesInfo
             * @classdesc Represents an AugmentedDeviceInfo.
             * @constructor
             * @param {d2m.DevicesInfo.AugmentedDeviceInfo.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const AugmentedDeviceInfo = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * AugmentedDeviceInfo encryptedDeviceInfo.
             * @member {Uint8Array} encryptedDeviceInfo
             * @memberof d2m.DevicesInfo.AugmentedDeviceInfo
             * @instance
             */
            AugmentedDeviceInfo.prototype.encryptedDeviceInfo = $util.newBuffer([]);

            /**
             * AugmentedDeviceInfo connectedSince.
             * @member {number|Long} connectedSince
             * @memberof d2m.DevicesInfo.AugmentedDeviceInfo
             * @instance
             */
            AugmentedDeviceInfo.prototype.connectedSince = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * AugmentedDeviceInfo deviceSlotExpirationPolicy.
             * @member {d2m.DeviceSlotExpirationPolicy} deviceSlotExpirationPolicy
             * @memberof d2m.DevicesInfo.AugmentedDeviceInfo
             * @instance
             */
            AugmentedDeviceInfo.prototype.deviceSlotExpirationPolicy = 0;

            /**
             * AugmentedDeviceInfo lastDisconnectAt.
             * @member {number|Long|null|undefined} lastDisconnectAt
             * @memberof d2m.DevicesInfo.AugmentedDeviceInfo
             * @instance
             */
            AugmentedDeviceInfo.prototype.lastDisconnectAt = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            // Virtual OneOf for proto3 optional field
            $Object.defineProperty(AugmentedDeviceInfo.prototype, "_lastDisconnectAt", {
                get: $util.oneOfGetter($oneOfFields = ["lastDisconnectAt"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Encodes the specified AugmentedDeviceInfo message. Does not implicitly {@link d2m.DevicesInfo.AugmentedDeviceInfo.verify|verify} messages.
             * @function encode
             * @memberof d2m.DevicesInfo.AugmentedDeviceInfo
             * @static
             * @param {d2m.DevicesInfo.AugmentedDeviceInfo.$Properties} message AugmentedDeviceInfo message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            AugmentedDeviceInfo.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.encryptedDeviceInfo != null && $Object.hasOwnProperty.call(message, "encryptedDeviceInfo") && message.encryptedDeviceInfo.length)
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.encryptedDeviceInfo);
                if (message.connectedSince != null && $Object.hasOwnProperty.call(message, "connectedSince") && (typeof message.connectedSince === "object" ? message.connectedSince.low || message.connectedSince.high : message.connectedSince !== 0))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.connectedSince);
                if (message.deviceSlotExpirationPolicy != null && $Object.hasOwnProperty.call(message, "deviceSlotExpirationPolicy") && message.deviceSlotExpirationPolicy !== 0)
                    writer.uint32(/* id 3, wireType 0 =*/24).int32(message.deviceSlotExpirationPolicy);
                if (message.lastDisconnectAt != null && $Object.hasOwnProperty.call(message, "lastDisconnectAt"))
                    writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.lastDisconnectAt);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an AugmentedDeviceInfo message from the specified reader or buffer.
             * @function decode
             * @memberof d2m.DevicesInfo.AugmentedDeviceInfo
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {d2m.DevicesInfo.AugmentedDeviceInfo & d2m.DevicesInfo.AugmentedDeviceInfo.$Shape} AugmentedDeviceInfo
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            AugmentedDeviceInfo.decode = function (reader, length, _end, _depth, _target) {
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
                message = _target || new $root.d2m.DevicesInfo.AugmentedDeviceInfo();
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
                                message.encryptedDeviceInfo = value;
                            else
                                delete message.encryptedDeviceInfo;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.connectedSince = value;
                            else
                                delete message.connectedSince;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.deviceSlotExpirationPolicy = value;
                            else
                                delete message.deviceSlotExpirationPolicy;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            message.lastDisconnectAt = reader.uint64();
                            message._lastDisconnectAt = "lastDisconnectAt";
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

            return AugmentedDeviceInfo;
        })();

        return DevicesInfo;
    })();

    d2m.DropDevice = (function() {

        /**
         * Properties of a DropDevice.
         * @typedef {Object} d2m.DropDevice.$Properties
         * @property {number|Long|null} [deviceId] DropDevice deviceId
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a DropDevice.
         * @memberof d2m
         * @interface IDropDevice
         * @augments d2m.DropDevice.$Properties
         * @deprecated Use d2m.DropDevice.$Properties instead.
         */

        /**
         * Shape of a DropDevice.
         * @typedef {d2m.DropDevice.$Properties} d2m.DropDevice.$Shape
         */

        /**
         * Constructs a new DropDevice.
         * @memberof d2m
         * @classdesc Represents a DropDevice.
         * @constructor
         * @param {d2m.DropDevice.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const DropDevice = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * DropDevice deviceId.
         * @member {number|Long} deviceId
         * @memberof d2m.DropDevice
         * @instance
         */
        DropDevice.prototype.deviceId = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Encodes the specified DropDevice message. Does not implicitly {@link d2m.DropDevice.verify|verify} messages.
         * @function encode
         * @memberof d2m.DropDevice
         * @static
         * @param {d2m.DropDevice.$Properties} message DropDevice message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        DropDevice.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.deviceId != null && $Object.hasOwnProperty.call(message, "deviceId") && (typeof message.deviceId === "object" ? message.deviceId.low || message.deviceId.high : message.deviceId !== 0))
                writer.uint32(/* id 1, wireType 1 =*/9).fixed64(message.deviceId);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a DropDevice message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.DropDevice
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.DropDevice & d2m.DropDevice.$Shape} DropDevice
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        DropDevice.decode = function (reader, length, _end, _depth, _target) {
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
            message = _target || new $root.d2m.DropDevice();
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
                        if (wireType !== 1)
                            break;
                        if (typeof (value = reader.fixed64()) === "object" ? value.low || value.high : value !== 0)
                            message.deviceId = value;
                        else
                            delete message.deviceId;
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

        return DropDevice;
    })();

    d2m.DropDeviceAck = (function() {

        /**
         * Properties of a DropDeviceAck.
         * @typedef {Object} d2m.DropDeviceAck.$Properties
         * @property {number|Long|null} [deviceId] DropDeviceAck deviceId
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a DropDeviceAck.
         * @memberof d2m
         * @interface IDropDeviceAck
         * @augments d2m.DropDeviceAck.$Properties
         * @deprecated Use d2m.DropDeviceAck.$Properties instead.
         */

        /**
         * Shape of a DropDeviceAck.
         * @typedef {d2m.DropDeviceAck.$Properties} d2m.DropDeviceAck.$Shape
         */

        /**
         * Constructs a new DropDeviceAck.
         * @memberof d2m
         * @classdesc Represents a DropDeviceAck.
         * @constructor
         * @param {d2m.DropDeviceAck.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const DropDeviceAck = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * DropDeviceAck deviceId.
         * @member {number|Long} deviceId
         * @memberof d2m.DropDeviceAck
         * @instance
         */
        DropDeviceAck.prototype.deviceId = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * Encodes the specified DropDeviceAck message. Does not implicitly {@link d2m.DropDeviceAck.verify|verify} messages.
         * @function encode
         * @memberof d2m.DropDeviceAck
         * @static
         * @param {d2m.DropDeviceAck.$Properties} message DropDeviceAck message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        DropDeviceAck.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.deviceId != null && $Object.hasOwnProperty.call(message, "deviceId") && (typeof message.deviceId === "object" ? message.deviceId.low || message.deviceId.high : message.deviceId !== 0))
                writer.uint32(/* id 1, wireType 1 =*/9).fixed64(message.deviceId);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a DropDeviceAck message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.DropDeviceAck
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.DropDeviceAck & d2m.DropDeviceAck.$Shape} DropDeviceAck
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        DropDeviceAck.decode = function (reader, length, _end, _depth, _target) {
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
            message = _target || new $root.d2m.DropDeviceAck();
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
                        if (wireType !== 1)
                            break;
                        if (typeof (value = reader.fixed64()) === "object" ? value.low || value.high : value !== 0)
                            message.deviceId = value;
                        else
                            delete message.deviceId;
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

        return DropDeviceAck;
    })();

    d2m.SetSharedDeviceData = (function() {

        /**
         * Properties of a SetSharedDeviceData.
         * @typedef {Object} d2m.SetSharedDeviceData.$Properties
         * @property {Uint8Array|null} [encryptedSharedDeviceData] SetSharedDeviceData encryptedSharedDeviceData
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a SetSharedDeviceData.
         * @memberof d2m
         * @interface ISetSharedDeviceData
         * @augments d2m.SetSharedDeviceData.$Properties
         * @deprecated Use d2m.SetSharedDeviceData.$Properties instead.
         */

        /**
         * Shape of a SetSharedDeviceData.
         * @typedef {d2m.SetSharedDeviceData.$Properties} d2m.SetSharedDeviceData.$Shape
         */

        /**
         * Constructs a new SetSharedDeviceData.
         * @memberof d2m
         * @classdesc Represents a SetSharedDeviceData.
         * @constructor
         * @param {d2m.SetSharedDeviceData.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const SetSharedDeviceData = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * SetSharedDeviceData encryptedSharedDeviceData.
         * @member {Uint8Array} encryptedSharedDeviceData
         * @memberof d2m.SetSharedDeviceData
         * @instance
         */
        SetSharedDeviceData.prototype.encryptedSharedDeviceData = $util.newBuffer([]);

        /**
         * Encodes the specified SetSharedDeviceData message. Does not implicitly {@link d2m.SetSharedDeviceData.verify|verify} messages.
         * @function encode
         * @memberof d2m.SetSharedDeviceData
         * @static
         * @param {d2m.SetSharedDeviceData.$Properties} message SetSharedDeviceData message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        SetSharedDeviceData.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.encryptedSharedDeviceData != null && $Object.hasOwnProperty.call(message, "encryptedSharedDeviceData") && message.encryptedSharedDeviceData.length)
                writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.encryptedSharedDeviceData);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a SetSharedDeviceData message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.SetSharedDeviceData
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.SetSharedDeviceData & d2m.SetSharedDeviceData.$Shape} SetSharedDeviceData
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        SetSharedDeviceData.decode = function (reader, length, _end, _depth, _target) {
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
            message = _target || new $root.d2m.SetSharedDeviceData();
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
                            message.encryptedSharedDeviceData = value;
                        else
                            delete message.encryptedSharedDeviceData;
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

        return SetSharedDeviceData;
    })();

    d2m.BeginTransaction = (function() {

        /**
         * Properties of a BeginTransaction.
         * @typedef {Object} d2m.BeginTransaction.$Properties
         * @property {Uint8Array|null} [encryptedScope] BeginTransaction encryptedScope
         * @property {number|null} [ttl] BeginTransaction ttl
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a BeginTransaction.
         * @memberof d2m
         * @interface IBeginTransaction
         * @augments d2m.BeginTransaction.$Properties
         * @deprecated Use d2m.BeginTransaction.$Properties instead.
         */

        /**
         * Shape of a BeginTransaction.
         * @typedef {d2m.BeginTransaction.$Properties} d2m.BeginTransaction.$Shape
         */

        /**
         * Constructs a new BeginTransaction.
         * @memberof d2m
         * @classdesc Represents a BeginTransaction.
         * @constructor
         * @param {d2m.BeginTransaction.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const BeginTransaction = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * BeginTransaction encryptedScope.
         * @member {Uint8Array} encryptedScope
         * @memberof d2m.BeginTransaction
         * @instance
         */
        BeginTransaction.prototype.encryptedScope = $util.newBuffer([]);

        /**
         * BeginTransaction ttl.
         * @member {number} ttl
         * @memberof d2m.BeginTransaction
         * @instance
         */
        BeginTransaction.prototype.ttl = 0;

        /**
         * Encodes the specified BeginTransaction message. Does not implicitly {@link d2m.BeginTransaction.verify|verify} messages.
         * @function encode
         * @memberof d2m.BeginTransaction
         * @static
         * @param {d2m.BeginTransaction.$Properties} message BeginTransaction message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        BeginTransaction.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.encryptedScope != null && $Object.hasOwnProperty.call(message, "encryptedScope") && message.encryptedScope.length)
                writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.encryptedScope);
            if (message.ttl != null && $Object.hasOwnProperty.call(message, "ttl") && message.ttl !== 0)
                writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.ttl);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a BeginTransaction message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.BeginTransaction
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.BeginTransaction & d2m.BeginTransaction.$Shape} BeginTransaction
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        BeginTransaction.decode = function (reader, length, _end, _depth, _target) {
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
            message = _target || new $root.d2m.BeginTransaction();
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
                            message.encryptedScope = value;
                        else
                            delete message.encryptedScope;
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        if (value = reader.uint32())
                            message.ttl = value;
                        else
                            delete message.ttl;
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

        return BeginTransaction;
    })();

    d2m.BeginTransactionAck = (function() {

        /**
         * Properties of a BeginTransactionAck.
         * @typedef {Object} d2m.BeginTransactionAck.$Properties
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a BeginTransactionAck.
         * @memberof d2m
         * @interface IBeginTransactionAck
         * @augments d2m.BeginTransactionAck.$Properties
         * @deprecated Use d2m.BeginTransactionAck.$Properties instead.
         */

        /**
         * Shape of a BeginTransactionAck.
         * @typedef {d2m.BeginTransactionAck.$Properties} d2m.BeginTransactionAck.$Shape
         */

        /**
         * Constructs a new BeginTransactionAck.
         * @memberof d2m
         * @classdesc Represents a BeginTransactionAck.
         * @constructor
         * @param {d2m.BeginTransactionAck.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const BeginTransactionAck = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Encodes the specified BeginTransactionAck message. Does not implicitly {@link d2m.BeginTransactionAck.verify|verify} messages.
         * @function encode
         * @memberof d2m.BeginTransactionAck
         * @static
         * @param {d2m.BeginTransactionAck.$Properties} message BeginTransactionAck message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        BeginTransactionAck.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a BeginTransactionAck message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.BeginTransactionAck
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.BeginTransactionAck & d2m.BeginTransactionAck.$Shape} BeginTransactionAck
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        BeginTransactionAck.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.d2m.BeginTransactionAck();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                reader.skipType(tag & 7, _depth, tag);
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

        return BeginTransactionAck;
    })();

    d2m.CommitTransaction = (function() {

        /**
         * Properties of a CommitTransaction.
         * @typedef {Object} d2m.CommitTransaction.$Properties
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a CommitTransaction.
         * @memberof d2m
         * @interface ICommitTransaction
         * @augments d2m.CommitTransaction.$Properties
         * @deprecated Use d2m.CommitTransaction.$Properties instead.
         */

        /**
         * Shape of a CommitTransaction.
         * @typedef {d2m.CommitTransaction.$Properties} d2m.CommitTransaction.$Shape
         */

        /**
         * Constructs a new CommitTransaction.
         * @memberof d2m
         * @classdesc Represents a CommitTransaction.
         * @constructor
         * @param {d2m.CommitTransaction.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const CommitTransaction = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Encodes the specified CommitTransaction message. Does not implicitly {@link d2m.CommitTransaction.verify|verify} messages.
         * @function encode
         * @memberof d2m.CommitTransaction
         * @static
         * @param {d2m.CommitTransaction.$Properties} message CommitTransaction message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        CommitTransaction.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a CommitTransaction message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.CommitTransaction
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.CommitTransaction & d2m.CommitTransaction.$Shape} CommitTransaction
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        CommitTransaction.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.d2m.CommitTransaction();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                reader.skipType(tag & 7, _depth, tag);
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

        return CommitTransaction;
    })();

    d2m.CommitTransactionAck = (function() {

        /**
         * Properties of a CommitTransactionAck.
         * @typedef {Object} d2m.CommitTransactionAck.$Properties
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a CommitTransactionAck.
         * @memberof d2m
         * @interface ICommitTransactionAck
         * @augments d2m.CommitTransactionAck.$Properties
         * @deprecated Use d2m.CommitTransactionAck.$Properties instead.
         */

        /**
         * Shape of a CommitTransactionAck.
         * @typedef {d2m.CommitTransactionAck.$Properties} d2m.CommitTransactionAck.$Shape
         */

        /**
         * Constructs a new CommitTransactionAck.
         * @memberof d2m
         * @classdesc Represents a CommitTransactionAck.
         * @constructor
         * @param {d2m.CommitTransactionAck.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const CommitTransactionAck = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Encodes the specified CommitTransactionAck message. Does not implicitly {@link d2m.CommitTransactionAck.verify|verify} messages.
         * @function encode
         * @memberof d2m.CommitTransactionAck
         * @static
         * @param {d2m.CommitTransactionAck.$Properties} message CommitTransactionAck message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        CommitTransactionAck.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a CommitTransactionAck message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.CommitTransactionAck
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.CommitTransactionAck & d2m.CommitTransactionAck.$Shape} CommitTransactionAck
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        CommitTransactionAck.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.d2m.CommitTransactionAck();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                reader.skipType(tag & 7, _depth, tag);
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

        return CommitTransactionAck;
    })();

    d2m.TransactionRejected = (function() {

        /**
         * Properties of a TransactionRejected.
         * @typedef {Object} d2m.TransactionRejected.$Properties
         * @property {number|Long|null} [deviceId] TransactionRejected deviceId
         * @property {Uint8Array|null} [encryptedScope] TransactionRejected encryptedScope
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a TransactionRejected.
         * @memberof d2m
         * @interface ITransactionRejected
         * @augments d2m.TransactionRejected.$Properties
         * @deprecated Use d2m.TransactionRejected.$Properties instead.
         */

        /**
         * Shape of a TransactionRejected.
         * @typedef {d2m.TransactionRejected.$Properties} d2m.TransactionRejected.$Shape
         */

        /**
         * Constructs a new TransactionRejected.
         * @memberof d2m
         * @classdesc Represents a TransactionRejected.
         * @constructor
         * @param {d2m.TransactionRejected.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const TransactionRejected = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * TransactionRejected deviceId.
         * @member {number|Long} deviceId
         * @memberof d2m.TransactionRejected
         * @instance
         */
        TransactionRejected.prototype.deviceId = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * TransactionRejected encryptedScope.
         * @member {Uint8Array} encryptedScope
         * @memberof d2m.TransactionRejected
         * @instance
         */
        TransactionRejected.prototype.encryptedScope = $util.newBuffer([]);

        /**
         * Encodes the specified TransactionRejected message. Does not implicitly {@link d2m.TransactionRejected.verify|verify} messages.
         * @function encode
         * @memberof d2m.TransactionRejected
         * @static
         * @param {d2m.TransactionRejected.$Properties} message TransactionRejected message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        TransactionRejected.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.deviceId != null && $Object.hasOwnProperty.call(message, "deviceId") && (typeof message.deviceId === "object" ? message.deviceId.low || message.deviceId.high : message.deviceId !== 0))
                writer.uint32(/* id 1, wireType 1 =*/9).fixed64(message.deviceId);
            if (message.encryptedScope != null && $Object.hasOwnProperty.call(message, "encryptedScope") && message.encryptedScope.length)
                writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.encryptedScope);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a TransactionRejected message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.TransactionRejected
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.TransactionRejected & d2m.TransactionRejected.$Shape} TransactionRejected
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        TransactionRejected.decode = function (reader, length, _end, _depth, _target) {
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
            message = _target || new $root.d2m.TransactionRejected();
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
                        if ((value = reader.bytes()).length)
                            message.encryptedScope = value;
                        else
                            delete message.encryptedScope;
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

        return TransactionRejected;
    })();

    d2m.TransactionEnded = (function() {

        /**
         * Properties of a TransactionEnded.
         * @typedef {Object} d2m.TransactionEnded.$Properties
         * @property {number|Long|null} [deviceId] TransactionEnded deviceId
         * @property {Uint8Array|null} [encryptedScope] TransactionEnded encryptedScope
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a TransactionEnded.
         * @memberof d2m
         * @interface ITransactionEnded
         * @augments d2m.TransactionEnded.$Properties
         * @deprecated Use d2m.TransactionEnded.$Properties instead.
         */

        /**
         * Shape of a TransactionEnded.
         * @typedef {d2m.TransactionEnded.$Properties} d2m.TransactionEnded.$Shape
         */

        /**
         * Constructs a new TransactionEnded.
         * @memberof d2m
         * @classdesc Represents a TransactionEnded.
         * @constructor
         * @param {d2m.TransactionEnded.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const TransactionEnded = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * TransactionEnded deviceId.
         * @member {number|Long} deviceId
         * @memberof d2m.TransactionEnded
         * @instance
         */
        TransactionEnded.prototype.deviceId = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

        /**
         * TransactionEnded encryptedScope.
         * @member {Uint8Array} encryptedScope
         * @memberof d2m.TransactionEnded
         * @instance
         */
        TransactionEnded.prototype.encryptedScope = $util.newBuffer([]);

        /**
         * Encodes the specified TransactionEnded message. Does not implicitly {@link d2m.TransactionEnded.verify|verify} messages.
         * @function encode
         * @memberof d2m.TransactionEnded
         * @static
         * @param {d2m.TransactionEnded.$Properties} message TransactionEnded message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        TransactionEnded.encode = function (message, writer, _depth) {
            if (!writer)
                writer = $Writer.create();
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $util.recursionLimit)
                throw $Error("max depth exceeded");
            if (message.deviceId != null && $Object.hasOwnProperty.call(message, "deviceId") && (typeof message.deviceId === "object" ? message.deviceId.low || message.deviceId.high : message.deviceId !== 0))
                writer.uint32(/* id 1, wireType 1 =*/9).fixed64(message.deviceId);
            if (message.encryptedScope != null && $Object.hasOwnProperty.call(message, "encryptedScope") && message.encryptedScope.length)
                writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.encryptedScope);
            if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                for (let i = 0; i < message.$unknowns.length; ++i)
                    writer.raw(message.$unknowns[i]);
            return writer;
        };

        /**
         * Decodes a TransactionEnded message from the specified reader or buffer.
         * @function decode
         * @memberof d2m.TransactionEnded
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {d2m.TransactionEnded & d2m.TransactionEnded.$Shape} TransactionEnded
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        TransactionEnded.decode = function (reader, length, _end, _depth, _target) {
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
            message = _target || new $root.d2m.TransactionEnded();
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
                        if ((value = reader.bytes()).length)
                            message.encryptedScope = value;
                        else
                            delete message.encryptedScope;
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

        return TransactionEnded;
    })();

    return d2m;
})();

export {
  $root as default
};
