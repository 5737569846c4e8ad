// The public face of the module: each function takes the raw message, so callers never handle analysed text.
// understand() analyses once and reads everything from that.
import type { TicketCategory } from '../../models/ticketTypes.js';
import type { Directory } from '../../services/directory.js';
import { categoryOf } from './category.js';
import { emergencyOf, type EmergencyKind } from './emergency.js';
import { entitiesOf, type Entities } from './entities.js';
import { intentOf, type Intent } from './intent.js';
import { languageOf, switchRequestOf, type Language } from './language.js';
import { analyse } from './text.js';
import { clearlyUpsetOf, upsetOf } from './upset.js';
import { yesNoOf, type YesNo } from './yesNo.js';

export function detectLanguage(text: string): Language | undefined {
  return languageOf(analyse(text));
}

export function detectLanguageSwitch(text: string): Language | undefined {
  return switchRequestOf(analyse(text));
}

export function classifyYesNo(text: string): YesNo {
  return yesNoOf(analyse(text));
}

export function classifyCategory(text: string): { category: TicketCategory; confidence: number } | undefined {
  const guess = categoryOf(analyse(text));
  return guess === undefined ? undefined : { category: guess.category, confidence: guess.confidence };
}

export function extractEntities(text: string, directory: Directory): Entities {
  return entitiesOf(analyse(text), directory);
}

export function detectIntent(text: string): Intent {
  const analysed = analyse(text);
  return intentOf(analysed, categoryOf(analysed));
}

export function detectEmergency(text: string): EmergencyKind | undefined {
  return emergencyOf(analyse(text));
}

export function isUpset(text: string): boolean {
  return upsetOf(analyse(text));
}

export function isClearlyUpset(text: string): boolean {
  return clearlyUpsetOf(analyse(text));
}

export interface Understanding {
  /** The message as received (only its first ANALYSIS_LIMIT characters were analysed). */
  text: string;
  language?: Language;
  switchTo?: Language;
  intent: Intent;
  category?: TicketCategory;
  entities: Entities;
  yesNo: YesNo;
  upset: boolean;
  /** Upset enough to be handed to a person at once (abuse, or two separate signs). */
  clearlyUpset: boolean;
  /** A danger to life (live wire, sparking, fire, shock): the bot gives safety advice before anything else. */
  emergency?: EmergencyKind;
}

export function understand(text: string, directory: Directory): Understanding {
  const analysed = analyse(text);
  const category = categoryOf(analysed);
  const understanding: Understanding = {
    text: typeof text === 'string' ? text : '',
    intent: intentOf(analysed, category),
    entities: entitiesOf(analysed, directory),
    yesNo: yesNoOf(analysed),
    upset: upsetOf(analysed),
    clearlyUpset: clearlyUpsetOf(analysed),
  };
  const language = languageOf(analysed);
  if (language !== undefined) understanding.language = language;
  const switchTo = switchRequestOf(analysed);
  if (switchTo !== undefined) understanding.switchTo = switchTo;
  if (category !== undefined) understanding.category = category.category;
  const emergency = emergencyOf(analysed);
  if (emergency !== undefined) understanding.emergency = emergency;
  return understanding;
}
