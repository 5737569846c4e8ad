import { describe, expect, it } from 'vitest';
import { extractEntities, understand } from '../../../dialogs/understanding/index.js';
import { Directory } from '../../../services/directory.js';

const directory = Directory.loadDefault();
const entities = (text: string) => extractEntities(text, directory);

describe('mobile and account numbers', () => {
  it('reads a bare ten-digit number starting 6–9 as a mobile and any other as an account number', () => {
    expect(entities('9876543210')).toEqual({ mobile: '9876543210' });
    expect(entities('1234567890')).toEqual({ accountNumber: '1234567890' });
    expect(entities('5123456789')).toEqual({ accountNumber: '5123456789' });
  });

  it('reads mobiles however they are written', () => {
    for (const text of ['+91 98765 43210', '+91-98765-43210', '09876543210', '919876543210', '98765-43210', 'mera number (+91) 98765 43210 hai']) {
      expect(entities(text).mobile, text).toBe('9876543210');
      expect(entities(text).accountNumber, text).toBeUndefined();
    }
  });

  it('lets the words around a number decide: an account number may start with 6–9', () => {
    expect(entities('mera account number 9123456789 hai')).toEqual({ accountNumber: '9123456789' });
    expect(entities('consumer no. 6123456789')).toEqual({ accountNumber: '6123456789' });
    expect(entities('khata sankhya 8123456789')).toEqual({ accountNumber: '8123456789' });
    expect(entities('9123456789 mera account number hai')).toEqual({ accountNumber: '9123456789' });
  });

  it('never reads a number framed as a mobile as an account number', () => {
    expect(entities('mobile 1234567890')).toEqual({});
    expect(entities('9876543210 mera mobile number hai')).toEqual({ mobile: '9876543210' });
  });

  it('tells two numbers in one message apart, whichever comes first', () => {
    expect(entities('account 1234567890 aur mobile 9876543210')).toEqual({ accountNumber: '1234567890', mobile: '9876543210' });
    expect(entities('mobile 9876543210, account 9123456789')).toEqual({ mobile: '9876543210', accountNumber: '9123456789' });
    expect(entities('1234567890 9876543210')).toEqual({ accountNumber: '1234567890', mobile: '9876543210' });
  });

  it('reads labels as consumers abbreviate them, and a label after a number never steals the next number (issue 12)', () => {
    expect(entities('a/c 6789012345, mob 8299012345')).toEqual({ accountNumber: '6789012345', mobile: '8299012345' });
    expect(entities('A/C No. 6789012345 Mo. 8299012345')).toEqual({ accountNumber: '6789012345', mobile: '8299012345' });
    expect(entities('CA no 6789-012-345 ph 82990 12345')).toEqual({ accountNumber: '6789012345', mobile: '8299012345' });
    expect(entities('acct 6789012345 contact +91 8299012345')).toEqual({ accountNumber: '6789012345', mobile: '8299012345' });
    expect(entities('खाता ६७८९०१२३४५ फ़ोन ८२९९०१२३४५')).toEqual({ accountNumber: '6789012345', mobile: '8299012345' });
  });

  it('two unlabelled numbers that could each be either are not guessed: both are handed back to ask about', () => {
    expect(entities('6789012345 8299012345')).toEqual({ eitherNumbers: ['6789012345', '8299012345'] });
    // One label settles it: the other number is the other field.
    expect(entities('mobile 8299012345, 6789012345')).toEqual({ mobile: '8299012345', accountNumber: '6789012345' });
  });

  it('reads Devanagari digits', () => {
    expect(entities('९८७६५४३२१०')).toEqual({ mobile: '9876543210' });
    expect(entities('मेरा खाता संख्या ९१२३४५६७८९ है')).toEqual({ accountNumber: '9123456789' });
    expect(entities('मोबाइल नंबर +९१ ९८७६५ ४३२१०')).toEqual({ mobile: '9876543210' });
  });

  it('ignores numbers of other lengths (landlines, PIN codes, amounts, dates)', () => {
    expect(entities('(0522) 2345678')).toEqual({});
    expect(entities('pin 226010, bill 4500 rupaye, 12-05-2024 se')).toEqual({});
    expect(entities('aadhaar 1234 5678 9012')).toEqual({});
  });
});

describe('ticket numbers', () => {
  it('reads them in any case, with or without spaces around the dashes', () => {
    for (const text of ['UP-261128-00042', 'up-261128-00042', 'Up - 261128 - 00042 ka status', 'ticket UP–261128–00042', 'मेरा टिकट UP-२६११२८-०००४२']) {
      expect(entities(text).ticketNumber, text).toBe('UP-261128-00042');
    }
    expect(entities('UP-261128-123456789').ticketNumber).toBe('UP-261128-123456789');
  });

  it('does not read a ticket number as a phone or account number, but still finds a number beside it', () => {
    expect(entities('UP-261128-9876543')).toEqual({ ticketNumber: 'UP-261128-9876543' });
    expect(entities('UP-261128-00042 mera number 9876543210')).toEqual({ ticketNumber: 'UP-261128-00042', mobile: '9876543210' });
  });

  it('requires the ticket shape', () => {
    // Spaces alone separate the parts as people read a number out (issue 12: "up 261204 00002").
    expect(entities('UP 261128 00042').ticketNumber).toBe('UP-261128-00042');
    expect(entities('UP 26112 00042').ticketNumber).toBeUndefined();
    expect(entities('UP-26112-00042').ticketNumber).toBeUndefined();
    expect(entities('setup-261128-00042').ticketNumber).toBeUndefined();
  });
});

describe('places', () => {
  it('finds a locality in a Hindi sentence', () => {
    const place = entities('गोमती नगर में कल रात से बिजली नहीं है').place;
    expect(place).toMatchObject({ locality: 'Gomti Nagar', subDivisionId: 'sd-gomti-nagar', district: 'Lucknow' });
    expect(entities('हमारे इन्दिरा नगर में ट्रांसफार्मर जल गया').place?.locality).toBe('Indira Nagar');
  });

  it('finds a locality in a Hinglish sentence, with spelling variants', () => {
    expect(entities('vivek khand me light nahi aa rahi').place?.locality).toBe('Vivek Khand');
    expect(entities('bhai gomtinagar sector 4 me transformer jal gaya').place?.locality).toBe('Gomti Nagar');
    expect(entities('Tedhi Puliya ke paas meter jal gaya').place?.locality).toBe('Tedhi Pulia');
  });

  it('names the district when one is mentioned, by name, Hindi name or alias', () => {
    expect(entities('lucknow').district).toBe('Lucknow');
    expect(entities('लखनऊ के आलमबाग में').district).toBe('Lucknow');
    expect(entities('lko me light nahi hai').district).toBe('Lucknow');
    expect(entities('kanpur me light nahi hai').district).toBeUndefined();
    expect(entities('light nahi hai').place).toBeUndefined();
  });

  // Issue 15 (CPU per turn) moved the district lookup into Directory.districtNamed. Before, a "word" with no letters
  // or digits (the zero-width joiner inside an emoji family, 👨‍👩) was read as the directory's first district.
  it('reads no district into a message that names none, emoji sequences included', () => {
    expect(entities('hello 👨\u200D👩 family').district).toBeUndefined();
    expect(entities('light nahi hai 👨\u200D👩\u200D👧').district).toBeUndefined();
    expect(entities('\u200D').district).toBeUndefined();
  });

  it('tells the districts of a larger directory apart, and names only districts whose localities it holds', () => {
    const data = directory.toData();
    data.districts.push({ id: 'kanpur', name: 'Kanpur Nagar', nameHi: 'कानपुर नगर', aliases: ['knp', 'kanpur'] });
    data.districts.push({ id: 'unnao', name: 'Unnao', nameHi: 'उन्नाव' });
    const division = data.zones[0]!.circles[0]!.divisions[0]!;
    division.subDivisions.push({
      id: 'sd-kidwai-nagar',
      name: 'Kidwai Nagar',
      nameHi: 'किदवई नगर',
      districtId: 'kanpur',
      sdo: { id: 'sdo-kidwai-nagar', name: 'SDO Kidwai Nagar (Demo)' },
      je: { id: 'je-kidwai-nagar', name: 'JE Kidwai Nagar (Demo)' },
      localities: [{ name: 'Kidwai Nagar', nameHi: 'किदवई नगर' }],
    });
    const larger = Directory.fromData(data);
    const districtOf = (text: string) => extractEntities(text, larger).district;
    expect(districtOf('knp me light nahi hai')).toBe('Kanpur Nagar');
    expect(districtOf('kanpur nagar mein bijli gayi')).toBe('Kanpur Nagar');
    expect(districtOf('कानपुर नगर')).toBe('Kanpur Nagar');
    expect(districtOf('lko me light nahi hai')).toBe('Lucknow');
    expect(districtOf('unnao me light nahi hai')).toBeUndefined();
    expect(districtOf('light nahi hai')).toBeUndefined();
    expect(larger.districtNamed('LKO')).toBe('Lucknow');
    expect(larger.districtNamed('Unnao')).toBeUndefined();
    expect(larger.districtNamed('...')).toBeUndefined();
  });
});

describe('understand()', () => {
  it('puts everything about one message together', () => {
    const understanding = understand('Vivek Khand me 3 din se light nahi hai!!! mera number 9876543210', directory);
    expect(understanding).toMatchObject({
      language: 'hl',
      intent: 'register',
      category: 'supply',
      yesNo: 'no',
      upset: true,
      entities: { mobile: '9876543210', place: { locality: 'Vivek Khand' } },
    });
    expect(understanding.switchTo).toBeUndefined();
  });

  it('reads a message that is just a ticket number as a status request', () => {
    expect(understand('UP-261128-00042', directory)).toMatchObject({ intent: 'status', entities: { ticketNumber: 'UP-261128-00042' }, yesNo: 'unclear' });
    expect(understand('UP-261128-00042', directory).language).toBeUndefined();
  });
});
