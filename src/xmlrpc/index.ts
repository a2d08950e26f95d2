// hyperplan's XML-RPC codec, shared by the OpenNebula client and simulator (and later XenAPI, Gandi).
export {
  EncodedValue,
  EscapedString,
  MAX_NESTING,
  XmlRpcDouble,
  XmlRpcI4,
  XmlRpcI8,
  isXmlRpcStruct,
  type XmlRpcStruct,
  type XmlRpcValue,
} from "./values.js";
export { escapeXml, normalizeLineEnds, unescapeUtf8, unescapeXml } from "./escape.js";
export { encodeCall, encodeFault, encodeResponse, encodeValue, formatDoubleG16, type EncodeOptions, type XmlRpcStyle } from "./encode.js";
export { decodeCall, decodeResponse, type DecodeOptions, type DecodedResponse } from "./decode.js";
export {
  XmlRpcEncodeError,
  XmlRpcParseError,
  type XmlRpcEncodeErrorOptions,
  type XmlRpcParseErrorOptions,
} from "./errors.js";
export { formatDateTime, formatDateTimeXapi, parseDateTime } from "./date-time.js";
