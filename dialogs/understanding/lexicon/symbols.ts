// Emoji and symbols, which every consumer uses whatever their language. Skin tones and variation selectors are
// erased by normalisation, so "👍🏽" and "✔️" are listed once as "👍" and "✔".
import type { Lexicon } from './types.js';

export const symbols: Lexicon = {
  words: {},
  yesNo: {
    yesParticles: ['👍|✅|✔|☑|👌|💯'],
    noParticles: ['👎|❌|✖|❎|🚫|⛔'],
    hedges: ['🤷|🤔'],
  },
  upset: ['😡|🤬|😠|😤|💢|👿|🤦|😾'],
};
