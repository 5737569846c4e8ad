// The languages a consumer is answered in, as stored on tickets, channels, handoffs and callbacks. 'hl' is Hindi in
// Latin letters (Hinglish): the same language as 'hi', in the script the consumer types. One list, so a new one is
// added everywhere at once.
export const CONSUMER_LANGUAGES = ['hi', 'en', 'hl'] as const;
export type ConsumerLanguage = (typeof CONSUMER_LANGUAGES)[number];
