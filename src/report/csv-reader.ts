/**
 * An RFC 4180 CSV reader: fields separated by `,`, records by CRLF or LF, fields in double quotes
 * may hold commas, line breaks and `""` for a quote. MaxMind's and GeoNames' exports quote names
 * such as `"Washington, D.C."`, so splitting lines at commas would shift columns.
 */
export class CsvSyntaxError extends Error {}

/** Calls `onRecord` with the fields of each record, in order; a leading BOM is skipped. */
export function readCsv(text: string, onRecord: (fields: string[], recordNumber: number) => void): void {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let record: string[] = [];
  let n = 0;
  const n1 = text.length;
  while (i <= n1) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new CsvSyntaxError(`record ${n + 1}: a quoted field is never closed`);
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const c = text[i];
      if (c !== undefined && c !== ',' && c !== '\n' && c !== '\r') {
        throw new CsvSyntaxError(`record ${n + 1}: text after the closing quote of a field`);
      }
    } else {
      let j = i;
      while (j < n1 && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
      field = text.slice(i, j);
      i = j;
    }
    record.push(field);
    const c = text[i];
    if (c === ',') {
      i++;
      continue;
    }
    // End of record: CRLF, LF, lone CR, or end of text (a final line break adds no empty record).
    if (c === '\r' && text[i + 1] === '\n') i += 2;
    else i++;
    if (!(record.length === 1 && record[0] === '' && c === undefined)) onRecord(record, ++n);
    record = [];
    if (i >= n1) break;
  }
}
