// Romanised Hindi as UP consumers type it on WhatsApp: no fixed spelling, English loanwords mixed in, SMS shortcuts
// ("nhi", "h", "rha"). Doubled letters need not be listed twice ("haan" also matches "han", "haaan").
import type { Lexicon } from './types.js';

export const hinglish: Lexicon = {
  words: {
    power: ['light', 'lite', 'lyt', 'lait', 'bijli', 'bijlee', 'bijali', 'bijly', 'bijalee', 'current', 'karant', 'karent', 'supply', 'suplai', 'supplai', 'batti', 'power'],
    gone: ['nahi', 'nahin', 'nhi', 'nai', 'nahee', 'gayab', 'gul', 'kat', 'kati', 'kata', 'kategi', 'band', 'bandh', 'chali'],
    meter: ['meter', 'meetar', 'mitar', 'metar', 'miter', 'meater'],
    transformer: [
      'transformer', 'transfarmer', 'transformar', 'transfarmar', 'tranformer', 'trasformer', 'transformr', 'tarnsformer',
      'tranformar', 'trnsformer', 'transfomer', 'tranfarmar', 'transfermer', 'dp',
    ],
    bill: ['bill', 'bills', 'billing'],
    connection: ['connection', 'conection', 'connecshan', 'conecshan', 'kanekshan', 'kanekshn', 'kanaikshan', 'connaction', 'connetion', 'conexion'],
    newThing: ['naya', 'naye', 'nayi', 'nya', 'nye', 'new'],
    problem: ['problem', 'prob', 'dikkat', 'pareshani', 'samasya', 'samsya', 'issue', 'shikayat', 'takleef', 'taklif', 'tension'],
    negation: ['nahi', 'nahin', 'nhi', 'nai', 'nahee', 'mat'],
    filler: ['ji', 'jee', 'sir', 'sar', 'madam', 'mam', 'bhai', 'bhaiya', 'bhaiyya', 'sahab', 'saheb', 'sahib', 'didi', 'yaar', 'please', 'plz', 'pls', 'ab', 'to', 'toh', 'abhi'],
    pastAuxiliary: ['tha', 'thi'],
    bad: ['band', 'bandh', 'kharab', 'karab', 'gayab', 'gul', 'dim', 'andhera', 'andhere', 'fail', 'faulty'],
    questionWord: ['kya', 'kab', 'kyun', 'kyu', 'kyon', 'kaise', 'kaun', 'kahan', 'kitna', 'kitni', 'kitne', 'kidhar'],
    contrast: ['par', 'pr', 'lekin', 'lakin', 'magar', 'kintu', 'parantu'],
    acknowledgement: ['acha', 'achha', 'accha', 'achcha', 'ok', 'okay', 'okk', 'k', 'hmm', 'hm', 'thanks', 'thank', 'dhanyavad', 'dhanyawad', 'shukriya'],
    complaint: ['complaint', 'complain', 'complent', 'shikayat', 'shikayet', 'sikayat', 'shikayt', 'ticket'],
    complaintPlural: ['complaints', 'shikayatein', 'shikayaten', 'shikayate', 'shikayte', 'shikaytein', 'tickets', 'complaintein', 'complaintain'],
    my: ['mera', 'meri', 'mere', 'hamari', 'humari', 'hamara', 'humara', 'hamare', 'humare', 'apni', 'apna', 'apne'],
    englishLanguage: ['english', 'angrezi', 'angreji', 'inglish', 'engilsh'],
    hindiLanguage: ['hindi', 'hindee'],
    hinglishLanguage: ['hinglish', 'hinglis', 'hinglesh', 'roman', 'romanised', 'romanized'],
    tellMe: ['bataiye', 'bataye', 'batao', 'batayiye', 'boliye', 'bolo', 'kahiye', 'suniye', 'sunao'],
    accountFrame: ['account', 'acount', 'akaunt', 'khata', 'upbhokta', 'consumer', 'connection', 'acc', 'acct', 'ac', 'id'],
    mobileFrame: ['mobile', 'mob', 'mobil', 'mobail', 'phone', 'fone', 'contact', 'whatsapp', 'watsapp', 'call'],
    numberWord: ['no', 'number', 'nambar', 'numbr', 'nmbr', 'sankhya', 'sankhaya'],
    placeFrame: ['jagah', 'jaga', 'jgah', 'pata', 'address', 'ilaka', 'ilaaka', 'elaka', 'mohalla', 'mohalle', 'colony', 'kahan', 'location', 'area'],
    detailFrame: ['vivran', 'details', 'detail'],
    categoryFrame: ['vishay', 'category'],
    wrongWord: ['galat', 'glat', 'galt', 'badlo', 'badliye', 'badalna', 'badalni', 'badal', 'sudhar', 'sudharo', 'change'],
    dayUnit: ['din', 'dino', 'dinon', 'dinn'],
    longUnit: ['hafte', 'hafta', 'hafton', 'mahine', 'mahina', 'mahino', 'mahinon', 'saal'],
    hourUnit: ['ghante', 'ghanta', 'ghanton', 'ghnte'],
    many: ['kai', 'kayi', 'bahut', 'bohot', 'bahot', 'kafi'],
  },

  languageMarkers: [
    'hai', 'hain', 'h', 'hu', 'hoon', 'hun', 'nahi', 'nahin', 'nhi', 'nai', 'kya', 'kyu', 'kyun', 'kyon', 'kab', 'kaise', 'kahan', 'kaun',
    'mera', 'meri', 'mere', 'hamara', 'hamari', 'hamare', 'humara', 'humari', 'humare', 'mujhe', 'mujhko', 'humko', 'hume', 'hamein',
    'aap', 'aapka', 'aapki', 'aapke', 'apna', 'apni', 'tum', 'tumhara', 'bhai', 'bhaiya', 'ji', 'haan', 'ha', 'gaya', 'gayi', 'gai', 'gya',
    'gyi', 'gaye', 'raha', 'rahi', 'rahe', 'rha', 'rhi', 'aa', 'aaya', 'aayi', 'aai', 'aaye', 'aayega', 'aayegi', 'ayegi', 'hua', 'hui',
    'hue', 'tha', 'thi', 'se', 'ko', 'ka', 'ki', 'ke', 'mein', 'mai', 'bhi', 'abhi', 'kal', 'aaj', 'din', 'ghante', 'mahine', 'bahut',
    'bohot', 'bahot', 'bhut', 'zyada', 'jyada', 'jada', 'jaldi', 'karo', 'kare', 'karein', 'kijiye', 'kariye', 'kar', 'kiya', 'diya',
    'liya', 'wala', 'wali', 'wale', 'bijli', 'bijlee', 'bijali', 'dukan', 'dukaan', 'ghar', 'gaon', 'gali', 'mohalla', 'mohalle',
    'padosi', 'chori', 'chura', 'jal', 'kat', 'gayab', 'theek', 'thik', 'sahi', 'kuch', 'koi', 'kisi', 'sab', 'sabhi', 'shikayat',
    'madad', 'kripya', 'dhanyavad', 'dhanyawad', 'shukriya', 'namaste', 'namaskar', 'pranam', 'bataiye', 'batao', 'chahiye', 'chaiye',
    'lagwana', 'laga', 'lagi', 'wapas', 'phir', 'fir', 'dobara', 'aur', 'lekin', 'magar', 'isliye', 'kyunki', 'kitna', 'kitne', 'jab',
    'tab', 'yahan', 'wahan', 'hum', 'ham', 'kaam', 'baat', 'karni', 'karna', 'raat', 'subah', 'shaam', 'chal', 'chala', 'chalu',
    'naya', 'purana', 'galat', 'kharab', 'haal', 'nikal', 'dhuan', 'aag', 'pe', 'wo', 'vo', 'ye', 'yeh', 'woh', 'uska', 'iska', 'pata',
    'hoga', 'sakte', 'sakta', 'dijiye', 'lijiye', 'insaan', 'pareshan', 'gul', 'dekhenge', 'ruko', 'shuru', 'meetar', 'mitar', 'lena',
    'kitni', 'baar', 'karu', 'karun', 'karoon', 'bolo', 'boliye', 'suno', 'sunta', 'log', 'logon', 'waale', 'walo',
  ],

  yesNo: {
    yesParticles: ['haan', 'ha', 'haanji', 'hanji', 'haji', 'ji haan', 'bilkul', 'zaroor', 'jaroor', 'jarur', 'zarur', 'hnji'],
    yesStatements: [
      'ho gaya|gayi|gai|gya|gyi|gaye|gye', 'hogaya|hogya|hogayi|hogyi|hogai',
      'theek|thik|thek|tik|teek', 'sahi', 'chalu|chaalu',
      'aa gayi|gai|gaya|gya|gyi|gaye|gye', 'aagayi|aagai|aagaya|agyi|agya|aagyi|aagya',
      '{power} aayi|aai|ayi|aaya|aya', 'aa rahi|raha|rhi|rha|rahe', 'chal rahi|raha|rhi|rha|rahe|gayi|gaya|gya|gyi|padi|pada',
      'jud gaya|gayi|gya|gyi', 'lag gaya|gayi|gya|gyi', 'aa|ho chuki|chuka|chuke', 'mil gaya|gayi|gya|gyi', 'badal diya|gaya|gya|di|dia', 'sudhar gaya|gayi|gya',
      'solve|solved|resolve|resolved|fixed',
      'koi {problem} nahi|nahin|nhi|nai', '{problem} khatam|solve|door|dur',
    ],
    noStatements: [
      'chali gayi|gai|gaya|gya|gyi|jati|jaati|ja', 'kat gayi|gai|gaya|gya|gyi|jati|jaati', 'jal gaya|gayi|gya|gyi', 'phunk gaya|gya|gayi',
      'ud gaya|gya', 'jala|jali|jale hua|hui|pada|padi', '{bad}', '{bad} ho gaya|gayi|gai|gya|gyi', 'wahi|vahi|vohi|same|waisi|vaisi {problem}|haal|halat',
      'pehle jaisa|jaisi|jaise', 'voltage kam|low', 'bilkul|bilkool * nahi|nahin|nhi|nai',
      'bhejo|bhejiye|bhejein|bhijwao|bhijwaiye|jaldi', 'aa jao|jaiye|jaye|jayiye', 'aao|aaiye|padhariye',
      'theek|thik|thek|tik|sahi|fix karo|karwao|kijiye|karwaiye|kardo|karwa|kariye|karein',
    ],
    noParticles: ['^ na'],
    hedges: [
      'shayad|sayad', 'pata nahi|nahin|nhi|nai', 'nahi|nahin|nhi pata', 'maloom|malum nahi|nahin|nhi', 'nahi|nhi maloom|malum',
      'dekhenge|dekhunga|dekhungi', 'dekhte hai|hain|he', 'dekh ke|kar|kr', 'baad me|mein|mai', 'bataunga|batayenge|batata|batati|bataungi|batadunga',
      'check kar|karke|karta|karti|karunga|karungi|karenge|kr|krke', 'confirm kar|karunga|karke|karta|krunga|karenge', 'lagta|lagti|lgta',
      'hoga|hogi|honge', 'kabhi * kabhi', 'thoda|thodi|thode thoda|thodi|der|time', 'aadha|aadhi', 'half', '{tellMe}', 'ruko|ruk|rukiye|wait',
      'ghar pe|par|me nahi|nahin|nhi', 'bahar hu|hoon|hun|hai', 'jab * tab', 'ya nahi|nahin|nhi', 'samajh nahi|nahin|nhi',
      'pakka nahi|nahin|nhi', 'sure nahi|nahin|nhi', 'kuch kuch',
      'jayega|jayegi|jaega|jaegi|jaayega|jaayegi|jayenge|jaenge|aayegi|aayega|ayegi|ayega|aaegi|aega|karenge|karega|karegi',
      'minute|minat|min|ghante|ghanta|der ke liye|bhar', 'kal tak', 'ha ha ha',
    ],
  },

  categories: {
    supply: {
      strong: ['voltage|voltej|voltaj', 'katauti|katoti|kataoti', 'power cut|cuts'],
      cues: [
        '{power} * * {gone}', '{gone} * {power}', '{power} kab', '{power} bar bar', 'phase|fase|faze', 'trip|tripping', 'andhera|andhere', 'dim',
        'bar bar', 'line|lain kat|kati|toot|tooti|tuti|tut|gir|giri|band|gayab', 'taar|tar|wire * toot|tut|tuta|tuti|tooti|toota|gir|gira|giri|latak|pada|padi|chingari|spark|aag',
        'khamba|khambha|khambe|pole * gir|gira|toot|tuta|tooti|jhuk|jhuka|tedha|aag|chingari|spark|current|karant', 'chingari|spark|sparking', 'fuse|fuz ud|uda|jal|gaya|gya', 'jumper|jampar', 'fluctuation',
      ],
      hints: ['{power}'],
    },
    meter: {
      strong: ['{meter}'],
      hints: ['reading|reeding'],
    },
    bill: {
      strong: ['{bill}', 'recharge|richarge', 'bakaya|baqaya', 'surcharge|sarcharge', 'ots|ekmusht', 'late fee'],
      cues: ['bhugtan|payment|pement|paiment', 'receipt|rasid|raseed|reciept', 'amount', '{connection} kaat|kat|kata|kaata|katwa diya|diya|di|gaya'],
      hints: ['jama', 'paisa|paise|rupaye|rupay|rs|rupees', 'units|unit', 'reading|reeding'],
    },
    new_connection: {
      // Three words, so that "naya connection ke liye" is read as a whole before "{connection} ke liye" takes its noun.
      strong: ['{newThing} * {connection}', '{newThing} {meter} {connection}', '{newThing} {connection} ke|ka|ki|liye|chahiye|chaiye|lagwana|lena|wala|wali|apply'],
      cues: [
        '{connection} * chahiye|chaiye|chahie|lena|leni|lagwana|lagwani|lagana|dilwa|dilwado|dila|milega|milta|chahta|chahti|lene',
        '{connection} ke liye', 'apply|aavedan|avedan * {connection}', '{connection} * apply|aavedan', 'load badhwana|badhana|badhwani|badhani|badhao|increase',
        '{connection} * laga|lagaya|laga', '3 phase {connection}',
      ],
      hints: ['{connection}'],
    },
    theft: {
      strong: [
        'katiya|kantiya|kathiya|katia|kantia|kunda|kundi|hook|hooking|chori|chory|chura|churate|churana|churaya|chor|avaidh|awaidh|illegal|bypass|baipas|tamper|tampering|chhedchhad|chedchad',
        'bina {meter}|{connection}',
      ],
      cues: ['direct|sidha|seedha|sidhe|seedhe line|taar|tar|connection', 'taar|tar|wire|line * jod|jodi|joda|jodkar|jodke|jodna', 'line|taar|tar kheench|khinch|kheenchi|khichi'],
    },
    transformer: {
      strong: ['~transformer|{transformer}', 'trans former|farmer|formar'],
      cues: ['dhuan|dhua|dhuwan', 'blast|phat|phata|fata', 'oil|tel leak|tapak|nikal|beh', 'overload|ovrload', 'kva'],
    },
  },
  categoryNeutral: ['{meter} * theek|thik|sahi|ok|badhiya hai|he|h', '{meter} to theek|thik|sahi|ok|badhiya', '{bill} * time pe|par|se'],

  intents: {
    human: [
      'insaan|insan|aadmi|admi|vyakti|banda|bande * baat', 'kisi se|ko baat', 'kisi * baat',
      'agent|officer|adhikari|operator|executive|karmachari|je|sdo|xen * baat|milao|milaiye|connect|jodo',
      'baat karni|karna|karao|karaiye|karwao|karwaiye|karwa|kara|krni|krna|karwado|karwaye',
      'call|phone|fone karo|kijiye|kariye|kare|karein|karwao|back|karwaiye|kijie|kro', 'mujhe|muje|hume|humko call|phone|fone',
      'customer care', 'helpline se baat', 'officer|adhikari|je|sdo|xen|lineman ka|ki number|no|mobile|phone',
    ],
    status: [
      'status|stetus|staus|sthiti|stithi|isthiti|sthithi', 'kahan tak', '{complaint} ka|ki kya', 'kya hua * {complaint}', 'update|updates|progress|track',
      // Asked about a complaint already made (issue 12): "light kab aayegi", "kab tak theek hoga", "complaint number kya tha".
      '{power} kab aayegi|aaegi|ayegi|aayega|aaega|ayega|aegi|aaygi|aaengi|ayengi|tak', 'kab tak theek|thik|thek|sahi|chalu|ho|hoga|hogi|aayegi|ayegi|aaegi',
      'kab theek|thik|thek|sahi hoga|hogi|hoge', '{complaint} number|no|num|nambar|sankhya kya|kaun|konsa|bhool|yaad',
    ],
    my_complaints: [
      '{my} {complaintPlural}', '{my} saari|sari|sabhi|sab|purani {complaint}|{complaintPlural}', 'saari|sari|sabhi|sab {complaint}|{complaintPlural}',
      '{complaintPlural} dikhao|dikhaiye|batao|list', 'purani {complaint}|{complaintPlural}',
    ],
    cancel: ['cancel|cancle|cancil|kensal|radd|rad', 'rehne|rahne do|dijiye|de', 'nahi|nhi|nahin karna|karni', 'mat karo|kijiye'],
    restart: ['shuru se|shuruaat', 'phir|fir|dobara se shuru', 'firse|phirse shuru', 'phir|fir|dobara shuru', 'naye sire', 'wapas shuru'],
    register: ['{complaint}', 'darj|register|likho|likhwani|likhwana|likhni|report', '{problem} hai|he|h'],
  },

  softIntents: {
    help: ['madad|madat|sahayata|sahayta', 'kya kya', 'kya kar sakte|sakti', 'kaise kaam|use', 'samajh nahi aa|aaya|aata|raha'],
    cancel: ['ruko|rukiye|ruk', 'band karo|kijiye|kro|kardo|karein|kariye', 'chhodo|chodo|chhod|chod', '^ bas', 'bas karo'],
    greeting: [
      '^ namaste|namaskar|namastey|pranam|parnam|salaam|salam|adaab|assalamualaikum|hello|helo|hallo|hlo|hi|hii|hey', '^ ram ram', '^ jai hind', '^ radhe radhe',
    ],
  },

  skip: [
      'chhodo|chodo|chhod|chod|chhodein|chodein|chhode|chode|chhodiye|chodiye|chhodie|chodie|chhoden|choden|chhodo|skip',
      'chhod|chod do|dijiye|dein|de', 'pata|yaad nahi|nahin|nhi', 'nahi|nahin|nhi pata', 'abhi nahi|nhi hai|h', 'baad me|mein|mai', 'nahi|nhi|nahin hai|h|he',
      'nahi|nhi|nahin pass|paas', 'maloom nahi|nhi', 'aage badho|badhiye|chalo', 'mere pass|paas nahi|nhi',
      'nahi|nhi|nahin dunga|dungi|denge|dena|doonga|dunga', 'gupt|gopniya|confidential|anonymous|secret', 'naam mat|na batana|batao|do',
    ],

  languageSwitch: {
    toEnglish: [
      '{englishLanguage} me|mein|mai|mei|main|mey|m', '{englishLanguage} please|plz|pls', '^ {englishLanguage} $', '^ {englishLanguage} {filler} $',
      '{englishLanguage} bolo|boliye|baat|likho|likhiye|chahiye|reply|jawab|karo', '{hindiLanguage} nahi|nahin|nhi|nai aati|ati|aata|samajh|padh|pad',
      '{hindiLanguage} samajh|samaj nahi|nhi|nahin', '{hindiLanguage} nahi|nahin|nhi|mat|na',
    ],
    toHindi: [
      '{hindiLanguage} me|mein|mai|mei|main|mey|m', '{hindiLanguage} please|plz|pls', '^ {hindiLanguage} $', '^ {hindiLanguage} {filler} $',
      '{hindiLanguage} bolo|boliye|baat|likho|likhiye|chahiye|reply|jawab|karo', '{englishLanguage} nahi|nahin|nhi|nai aati|ati|aata|samajh|padh|pad',
      '{englishLanguage} samajh|samaj nahi|nhi|nahin', '{englishLanguage} mat|na bolo|likho', '{englishLanguage} nahi|nahin|nhi|mat|na',
    ],
    toHinglish: [
      '{hinglishLanguage} me|mein|mai|mei|main|mey|m', '{hinglishLanguage} please|plz|pls', '^ {hinglishLanguage} $', '^ {hinglishLanguage} {filler} $',
      '{hinglishLanguage} bolo|boliye|baat|likho|likhiye|chahiye|reply|jawab|karo', 'hindi|hindee english|angrezi|angreji akshar|letters|lipi',
    ],
  },

  upset: [
    'pareshan|preshan|paresan', 'tang aa|ho', 'thak gaye|gya|gaya|gayi|gye', 'bakwas', 'bekar', 'ghatiya|ghatia', 'faltu', 'kitni|kitne bar|dafa|dafe',
    'har bar|roz', 'roz roz', 'koi sunta|sunvai|sunwai|sunne * nahi|nahin|nhi', 'tum|aap|sab|sabhi * chor', 'chor ho|hain tum|aap|sab', 'sunwai|sunvai nahi|nahin|nhi', 'sharam|sharm|besharam|besharm',
    'laparwah|lapravah|laparwahi|laparvahi', 'kamchor', 'lut|loot rahe|raha|liya', 'gussa', 'hadd|had ho', 'cm portal|helpline', 'igrs', '1076',
    'consumer court|forum', 'upbhokta forum|adalat', 'media|akhbar', 'mantri|vidhayak|mla',
  ],
  abuse: [
    'kamina|kamine|kamini|harami|haramkhor|haramzade|saala|saale|kutta|kutte|kutiya|kuttey|bewakoof|bevkoof|bewkoof|gadha|gadhe|ullu|nalayak',
    'nikamma|nikamme|nikammi|chutiya|chutiye|chootiya|madarchod|mc|bhenchod|behenchod|bc|bhosdike|bsdk|bhosdi|gandu|gaandu|lodu|randi',
  ],
  numbers: {
    ek: 1, do: 2, teen: 3, tin: 3, char: 4, chaar: 4, paanch: 5, panch: 5, chhe: 6, che: 6, saat: 7, sat: 7, aath: 8, nau: 9, das: 10,
    barah: 12, pandrah: 15, bees: 20, chaubees: 24,
  },
};
