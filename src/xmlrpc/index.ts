// hyperplan's XML-RPC codec, shared by the OpenNebula client and simulator (and later XenAPI, Gandi).
export {
  EscapedString,
  MAX_NESTING,
  XmlRpcDouble,
  XmlRpcI8,
  isXmlRpcStruct,
  type XmlRpcStruct,
  type XmlRpcValue,
} from "./values";
export { escapeXml, normalizeLineEnds, unescapeUtf8, unescapeXml } from "./escape";
export { encodeCall, encodeFault, encodeResponse } from "./encode";
export { decodeCall, decodeResponse, type DecodeOptions, type DecodedResponse } from "./decode";
export {
  XmlRpcEncodeError,
  XmlRpcParseError,
  type XmlRpcEncodeErrorOptions,
  type XmlRpcParseErrorOptions,
} from "./errors";
export { formatDateTime, parseDateTime } from "./date-time";
