import { describe, expect, it } from 'vitest';
import { csvCell, firstCsvField } from './csv.ts';

describe('CSV cells', () => {
  it('a cell a spreadsheet would evaluate is prefixed with a quote', () => {
    expect(csvCell('=HYPERLINK("http://x.test")')).toBe(`"'=HYPERLINK(""http://x.test"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
  });

  it('commas, quotes and newlines are quoted; plain values are not', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('alice@example.test')).toBe('alice@example.test');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
  });
});

describe('first CSV field', () => {
  it('takes the address from the first column, quoted or not', () => {
    expect(firstCsvField('alice@example.test,Alice,42')).toBe('alice@example.test');
    expect(firstCsvField('"bob@example.test",Bob')).toBe('bob@example.test');
    expect(firstCsvField('"""quoted""@example.test",x')).toBe('"quoted"@example.test');
    expect(firstCsvField('solo@example.test')).toBe('solo@example.test');
  });
});
