// Language understanding for the consumer chat: pure, synchronous functions over one message. See understand.ts.
export {
  classifyCategory,
  classifyProblems,
  classifyYesNo,
  detectCorrection,
  detectEmergency,
  detectIntent,
  detectLanguage,
  detectLanguageSwitch,
  extractEntities,
  isClearlyUpset,
  isUpset,
  problemWordsIn,
  readLandmarkAnswer,
  readNumberAnswer,
  understand,
  type Understanding,
} from './understand.js';
export type { EmergencyKind } from './emergency.js';
export type { Entities } from './entities.js';
export { placeDetailIn, type ComplaintField } from './fields.js';
export type { Intent } from './intent.js';
export type { Language, LanguageEvidence } from './language.js';
export type { YesNo } from './yesNo.js';
export { ANALYSIS_LIMIT } from './text.js';
