// English as Indian consumers write it. Apostrophes are dropped by normalisation ("don't" → "dont", "it's" → "its").
// Words whose loose key collides with a common word are left out on purpose: "off" would match "of".
import type { Lexicon } from './types.js';

export const english: Lexicon = {
  words: {
    power: ['power', 'electricity', 'electric', 'current', 'supply', 'light', 'lights'],
    gone: ['no', 'not', 'out', 'cut', 'cuts', 'outage', 'gone', 'down', 'failure', 'isnt', 'wasnt', 'dead'],
    meter: ['meter', 'metre', 'meters'],
    transformer: ['transformer', 'transformers'],
    bill: ['bill', 'bills', 'billing', 'invoice'],
    connection: ['connection', 'connections'],
    newThing: ['new', 'fresh', 'another'],
    problem: ['problem', 'problems', 'issue', 'issues', 'complaint', 'complaints', 'trouble'],
    negation: [
      'not', 'no', 'never', 'nope', 'nah', 'nothing', 'none', 'neither', 'dont', 'doesnt', 'didnt', 'isnt', 'wasnt', 'arent', 'werent', 'hasnt',
      'havent', 'hadnt', 'wont', 'cant', 'cannot', 'couldnt', 'nobody',
    ],
    filler: ['sir', 'madam', 'mam', 'maam', 'please', 'pls', 'plz', 'bro', 'brother', 'dear'],
    pastAuxiliaryBefore: ['was', 'were', 'had', 'been'],
    bad: ['dead', 'broken', 'faulty', 'dark', 'damaged', 'stopped', 'worse', 'dim', 'failed'],
    questionOpener: ['what', 'when', 'why', 'how', 'where', 'who', 'which', 'is', 'are', 'did', 'does', 'will', 'can', 'could', 'would', 'should', 'shall'],
    contrast: ['but', 'however', 'though', 'although', 'except'],
    acknowledgement: ['ok', 'okay', 'k', 'kk', 'thanks', 'thank', 'thx', 'ty', 'noted', 'alright', 'hmm', 'hm', 'agree'],
    complaint: ['complaint', 'complain', 'ticket', 'grievance', 'request', 'case'],
    complaintPlural: ['complaints', 'tickets', 'grievances', 'requests', 'cases'],
    my: ['my', 'our', 'mine'],
    englishLanguage: ['english', 'eng'],
    hindiLanguage: ['hindi'],
    hinglishLanguage: ['hinglish', 'roman'],
    tellMe: ['tell', 'explain'],
    accountFrame: ['account', 'acc', 'acct', 'accnt', 'acount', 'ac', 'ca', 'consumer', 'connection', 'id', 'customer'],
    mobileFrame: ['mobile', 'mob', 'mo', 'ph', 'phone', 'phn', 'tel', 'cell', 'contact', 'whatsapp', 'call', 'reach'],
    numberWord: ['no', 'number', 'num', 'nbr', 'nmbr', 'numbr', 'nos'],
    placeFrame: ['place', 'location', 'address', 'locality', 'area', 'colony', 'where'],
    detailFrame: ['details', 'detail', 'description'],
    categoryFrame: ['category', 'subject', 'type'],
    wrongWord: ['wrong', 'incorrect', 'change', 'correction', 'mistake', 'update', 'edit'],
    dayUnit: ['day', 'days'],
    longUnit: ['week', 'weeks', 'month', 'months', 'year', 'years'],
    hourUnit: ['hour', 'hours', 'hrs', 'hr'],
    many: ['many', 'several', 'multiple', 'countless'],
  },

  languageMarkers: [
    'i', 'im', 'am', 'are', 'was', 'were', 'be', 'been', 'being', 'have', 'has', 'had', 'does', 'did', 'not', 'my', 'our', 'your', 'you',
    'we', 'they', 'she', 'it', 'its', 'this', 'that', 'there', 'here', 'what', 'when', 'where', 'why', 'how', 'which', 'who', 'please',
    'help', 'want', 'need', 'can', 'could', 'would', 'should', 'will', 'shall', 'since', 'from', 'for', 'with', 'without', 'about', 'of',
    'and', 'or', 'but', 'yet', 'still', 'very', 'much', 'many', 'more', 'again', 'today', 'yesterday', 'tomorrow', 'morning', 'evening',
    'night', 'hours', 'hour', 'days', 'week', 'month', 'working', 'work', 'works', 'fixed', 'come', 'coming', 'came', 'gone', 'back',
    'out', 'at', 'by', 'an', 'electricity', 'stealing', 'someone', 'somebody', 'thank', 'speak', 'talk', 'english', 'high', 'wrong',
    'area', 'house', 'home', 'street', 'neighbour', 'neighbor', 'than', 'then', 'just', 'only', 'also', 'because', 'so',
    'last', 'next', 'every', 'all', 'any', 'some', 'know', 'is', 'the', 'correct', 'think', 'get', 'got', 'give', 'send', 'sent', 'paid', 'received',
    'dont', 'cant', 'understand', 'read', 'write', 'reply',
  ],

  yesNo: {
    yesParticles: ['yes', 'yeah', 'yea', 'yep', 'yup', 'yah', 'sure', 'of course', 'absolutely', 'definitely', 'correct', 'affirmative', 'indeed'],
    yesStatements: [
      'working|works', 'fixed|resolved|restored|repaired|replaced|installed|solved|sorted|rectified', 'is|its|came|come|coming back',
      'back on', '{power} back', 'on now', 'fine', 'all good|ok|okay|set|fine', 'no {problem}', 'its done', 'done', 'received', 'perfect',
    ],
    noStatements: [
      'still {bad}', '{bad}', 'still out|off|down|waiting|same|there', 'same as before', 'same {problem}|situation|condition', 'nothing changed|happened|done',
      'stopped|gone|cut|out|down again', 'went out|away', 'no {power}', 'absolutely|definitely|certainly not', 'of course not',
      'send|come|hurry|asap|quickly|urgently|urgent', 'fix|repair|restore|check it|this|my|the', 'please fix|repair|restore|check',
    ],
    noParticles: ['negative'],
    hedges: [
      'maybe|perhaps|probably|possibly|unsure', 'not sure', 'dont|do not know|knw', 'no idea', 'i guess|think|believe', 'seems|seem',
      'will check|confirm|tell|let|see|update', 'let me check|see|confirm', 'later|tomorrow', 'not at home', 'not home', 'away', 'sometimes',
      'partially|partly', 'kind|sort of', 'somewhat|half', 'on and off', 'yes and no', 'wait', 'hold on', 'what do you mean',
      'dont understand', 'cant say', 'hard to say', '{tellMe}', 'will be|come|get|start', 'going to', 'for * minutes|minute|mins|hour|hours|while',
    ],
  },

  categories: {
    supply: {
      strong: ['voltage', '{power} cut|cuts|outage|failure|shutdown|fluctuation|fluctuations', 'outage', 'blackout', 'load shedding'],
      cues: [
        '{power} * * {gone}', '{gone} * {power}', 'fluctuation|fluctuations|tripping', 'phase', 'dark', 'wire|line|cable snapped|broken|cut|fallen|hanging',
        'pole * fell|fallen|broken|leaning|fire|sparking|sparks|current', 'fuse blown|gone', 'sparking|sparks|spark',
      ],
      hints: ['{power}'],
    },
    meter: {
      strong: ['{meter}'],
      hints: ['reading|readings'],
    },
    bill: {
      strong: ['{bill}', 'recharge', 'surcharge', 'arrears|arrear', 'late fee'],
      cues: ['payment|paid|pay', 'receipt', 'amount', 'due|dues', 'overcharged|overcharging', 'charged'],
      hints: ['units|unit', 'reading|readings', 'rupees|rs'],
    },
    new_connection: {
      strong: ['{newThing} * {connection}', '{newThing} {meter} {connection}'],
      cues: ['need|want|require|required|apply|get * {connection}', '{connection} * application|apply', 'load enhancement|increase', 'temporary {connection}'],
      hints: ['{connection}'],
    },
    theft: {
      strong: [
        'theft|steal|stealing|stolen|steals|hooking|hooked|tampered|tampering|tamper|bypass|bypassed|illegal|unauthorised|unauthorized',
        'without * {meter}|{connection}',
      ],
      cues: ['direct {connection}|line|wire', 'hook|hooks'],
    },
    transformer: {
      strong: ['~transformer|{transformer}'],
      cues: ['smoke|smoking', 'blast|blew|exploded|explosion', 'oil leak|leaking', 'overload|overloaded', 'humming|sparking|sparks', 'kva'],
    },
  },
  categoryNeutral: ['{meter} is|seems fine|ok|okay|correct', '{meter} is working fine|properly|correctly', '{bill} * on time'],

  intents: {
    human: [
      'talk|speak|connect|chat * person|human|agent|someone|somebody|officer|representative|executive|operator|engineer|lineman|staff|manager|supervisor|people',
      'real|live person|human|agent', 'customer care|service|support', 'call me|back', 'give me a call', 'phone me', 'human|agent|representative',
    ],
    status: [
      'status', 'track|tracking', 'progress', 'update|updates', 'what happened * {complaint}', 'where is * {complaint}', '{complaint} * status',
      'check * {complaint}', 'when will * {power}|it|this fixed|restored|repaired|back|come', 'how long * fix|fixed|restore|restored|repair|take',
      '{complaint} number|no', 'when * {power} * back',
    ],
    my_complaints: ['{my} {complaintPlural}', 'all * {complaintPlural}', 'list * {complaintPlural}', 'previous|old|past|earlier {complaintPlural}|{complaint}', 'show {complaintPlural}'],
    cancel: ['cancel', 'quit|exit|abort', 'never mind', 'nevermind', 'forget it', 'dont want', 'no need'],
    restart: ['restart|reset', 'start over|again|afresh', 'begin again', 'from the beginning|start', 'new chat', 'main menu'],
    register: ['{complaint}', 'register|file|lodge|raise|report|log * {complaint}|{problem}', 'have|has|facing * {problem}'],
  },
  softIntents: {
    help: ['help|assist|assistance', 'how does this|it work', 'what can you do', 'how to use', 'menu|options', 'guide me'],
    cancel: ['^ stop', 'stop it|this', 'leave it'],
    greeting: ['^ hi|hello|hey|hii|hiya|greetings', '^ good morning|afternoon|evening|day'],
  },

  skip: ['skip', 'skip it|this', 'next', 'dont have|know|remember', 'not available|handy|with me', 'no idea', 'later', 'dont have it', 'not now', 'anonymous|anonymously|confidential', 'wont|will not give|share'],

  languageSwitch: {
    toEnglish: [
      'in {englishLanguage}', '{englishLanguage} please|plz|pls|only|language', 'only {englishLanguage}',
      'speak|talk|reply|write|respond|answer|continue|chat|type|switch|change * {englishLanguage}', '^ {englishLanguage} $',
      'dont|cant|cannot|not understand|read|speak|know * {hindiLanguage}', 'dont|cant|cannot|not * understand|read|speak|know * {hindiLanguage}', 'not|no {hindiLanguage}',
    ],
    toHindi: [
      'in {hindiLanguage}', '{hindiLanguage} please|plz|pls|only|language', 'only {hindiLanguage}',
      'speak|talk|reply|write|respond|answer|continue|chat|type|switch|change * {hindiLanguage}', '^ {hindiLanguage} $',
      'dont|cant|cannot|not understand|read|speak|know * {englishLanguage}', 'dont|cant|cannot|not * understand|read|speak|know * {englishLanguage}', 'not|no {englishLanguage}',
    ],
    toHinglish: [
      'in {hinglishLanguage}', '{hinglishLanguage} please|plz|pls|only|language', 'only {hinglishLanguage}',
      'speak|talk|reply|write|respond|answer|continue|chat|type|switch|change * {hinglishLanguage}', 'hindi in english|latin|roman letters|script',
    ],
  },

  upset: [
    'worst|pathetic|useless|horrible|terrible|ridiculous|disgusting|shameful|frustrated|frustrating|furious|annoyed|irritated|fedup|nonsense|rubbish|unacceptable',
    'fed up', 'shame on', 'how many times', 'again and again', 'no one|nobody * listening|listens|cares|responds|responding|picks',
    'so many times', 'every day|time', 'sick|tired of', 'enough is enough', '{many} times', 'consumer court|forum', 'cm portal|helpline', 'angry',
  ],
  abuse: [
    'idiot|idiots|stupid|fool|fools|damn|dammit|shit|bullshit|fuck|fucking|fck|wtf|bloody|bastard|scam|fraud|fraudsters|cheat|cheaters|liar|liars|corrupt|thieves|moron|morons|incompetent',
  ],
  numbers: { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12, fifteen: 15, twenty: 20 },
};
