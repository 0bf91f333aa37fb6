/**
 * A small RFC 4180 CSV reader for the rule batches (and anything else that needs one).
 */

/** One parsed record and the 1-based line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * RFC 4180 CSV: comma-separated, CRLF / LF / CR line ends, fields optionally in double quotes,
 * where `""` is a quote and commas and line breaks are literal. A leading BOM is dropped; a
 * quote inside an unquoted field is kept as text. Throws on an unterminated quoted field or
 * text after a closing quote. Blank lines come back as one empty field.
 */
export function parseCsvRecords(text: string): CsvRecord[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  /** Whether the current record has begun (so a last line without a line break still counts). */
  let open = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    open = true;
    if (ch === '"' && field === '') {
      // A quoted field: runs to the next quote that is not doubled.
      const openedOn = line;
      i++;
      for (;;) {
        if (i >= src.length) throw new Error(`CSV: the quoted field opened on line ${openedOn} is never closed`);
        const c = src[i];
        if (c === '"') {
          if (src[i + 1] !== '"') break;
          field += '"';
          i += 2;
          continue;
        }
        if (c === '\n' || (c === '\r' && src[i + 1] !== '\n')) line++;
        field += c;
        i++;
      }
      i++;
      const next = src[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new Error(`CSV: unexpected ${JSON.stringify(next)} after a closing quote on line ${line}`);
      }
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
      i++;
    } else if (ch === '\r' || ch === '\n') {
      fields.push(field);
      records.push({ line: recordLine, fields });
      fields = [];
      field = '';
      open = false;
      i += ch === '\r' && src[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      field += ch;
      i++;
    }
  }
  if (open) {
    fields.push(field);
    records.push({ line: recordLine, fields });
  }
  return records;
}

/** {@link parseCsvRecords} without line numbers. */
export function parseCsv(text: string): string[][] {
  return parseCsvRecords(text).map((r) => r.fields);
}
