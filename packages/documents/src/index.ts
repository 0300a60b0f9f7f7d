export {
  DocumentError,
  type DocumentErrorCode,
  documentErrorCodes,
  isDocumentError,
} from './errors.ts';
export {
  type ExtractableDocument,
  type ExtractedDocument,
  type ExtractOptions,
  extractDocument,
} from './extract.ts';
export {
  type DocumentInput,
  hasPdfHeader,
  type InspectedDocument,
  inspectDocument,
} from './inspect.ts';
export { type DocumentLimits, defaultDocumentLimits, resolveDocumentLimits } from './limits.ts';
export { normalizeText } from './normalize-text.ts';
export {
  DocumentStreamInspector,
  type StreamedDocumentInfo,
} from './stream-inspector.ts';
