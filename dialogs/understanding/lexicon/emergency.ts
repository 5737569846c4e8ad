// Danger to life, in the three ways consumers write: a live wire on the ground, a sparking pole or transformer, a
// fire, a shock. Kept apart from the complaint categories because it changes what the bot does first (safety advice
// before any question), not which crew is sent. Patterns use the syntax of ../patterns.ts; {classes} come from the
// language lists. Left out on purpose, because ordinary complaints use them: "smoke"/"dhuan" (a burnt meter is a
// meter complaint), "jal gaya" (burnt out, past), "current aa raha" (supply is back), "line kat gayi" (supply cut).
export const EMERGENCY_KINDS = ['shock', 'fire', 'live_wire', 'sparking'] as const;
export type EmergencyKind = (typeof EMERGENCY_KINDS)[number];

/** Patterns per kind; a kind listed earlier wins when one message names several (a shock outranks a fire, …). */
export const emergencyPatterns: Readonly<Record<EmergencyKind, readonly string[]>> = {
  shock: [
    // English
    // "a shock" is also what a bill gives: see the bill rule in ../emergency.ts.
    'shock|shocks|electrocuted|electrocution|electrocute',
    'current|electricity in|on|through * pole|poles|gate|wall|walls|tap|railing|fence|pipe|water|cooler',
    'pole|poles|gate|wall|railing|fence * is|has live|current',
    // Hinglish
    'current|karant|karent lag|laga|lagi|lagta|lagti|maar|mara|maara|marta|daud|faila|fail',
    'jhatka|jhatke|jhataka',
    'khamba|khambha|khambe|khambhe|pole|gate|deewar|diwar|nal|pani|paani|railing * me|mein|main current|karant|karent',
    // Hindi
    'करंट|करेंट लग|लगा|लगी|लगता|लगती|मार|मारा|मारता|दौड़|फैल|फैला',
    'झटका|झटके',
    'खंभे|खंभा|खम्भे|पोल|गेट|दीवार|नल|पानी|रेलिंग * में करंट|करेंट',
  ],
  fire: [
    'fire|fires|flames|flame|blaze',
    'burning',
    'aag|aagg|lapat|lapte|lapten',
    // "jal rahi" alone is also a lamp that is on ("light jal rahi"): only a burning thing counts.
    '{meter}|{transformer}|taar|tar|wire|khamba|khambha|pole|ghar|dukan * jal|jalne raha|rahi|rha|rhi|rahe',
    'आग|लपट|लपटें',
    '{meter}|{transformer}|तार|खंभा|खंभे|पोल|घर|दुकान * जल रहा|रही|रहे',
  ],
  live_wire: [
    'live|naked|bare|exposed|open wire|wires|cable|cables',
    'wire|wires|cable|cables * snapped|fallen|fell|lying|dangling|hanging|touching|broken|broke|down',
    'snapped|fallen|broken|hanging|dangling|loose wire|wires|cable|cables',
    'line|lines * snapped|fallen|fell|lying|dangling|touching',
    'taar|tar|taaar|wire * toot|tut|tuta|tuti|tooti|toota|tutkar|tootkar|gir|gira|giri|gire|pada|padi|pade|latak|latka|latki|nanga|nange',
    'nanga|nange|khula|khule|toota|tuta|tute|toote taar|tar|wire',
    'तार * टूट|टूटा|टूटी|टूटे|टूटकर|गिर|गिरा|गिरी|गिरे|पड़ा|पड़ी|पड़े|लटक|लटका|लटकी|नंगा|नंगे',
    'नंगा|नंगे|खुला|खुले|टूटा|टूटे तार',
    'लाइन * गिर|गिरा|गिरी|गिरे',
  ],
  sparking: [
    'sparking|sparks|spark|arcing',
    'chingari|chingaari|chingariyan|chingariya|chingaariyan',
    'चिंगारी|चिंगारियां|चिंगारियाँ|स्पार्क|स्पार्किंग',
  ],
};
