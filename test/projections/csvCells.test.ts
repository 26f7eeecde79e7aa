/**
 * The reports' CSV cell by cell (API.md: opens correctly in Excel; RFC 4180): given a text that
 * begins with any sign a spreadsheet runs as a formula (= + - @, a tab, a carriage return), then it
 * is defused with a leading apostrophe; given a bare carriage return inside a text, then the cell is
 * quoted (RFC 4180 quotes CR as it quotes LF); given a code of exactly 12 digits, then it is a text
 * formula, as longer codes are (Excel shows 12 digits as 9.13706E+11).
 */
import { describe, expect, it } from 'vitest';
import { csv } from '../../projections/index.js';

const one = (cell: string) => csv(['名称'], [[cell]]).slice('\uFEFF名称\r\n'.length, -2);

describe('a CSV cell a spreadsheet would run or spoil', () => {
  it.each([
    ['=', '=1+1', "'=1+1"],
    ['+', '+86-531-12345678', "'+86-531-12345678"],
    ['-', '-2+3', "'-2+3"],
    ['@', '@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['a tab', '\t=1', "'\t=1"],
    // Security QA: what the check missed.
    ['a full-width ＝', '＝1+1', "'＝1+1"],
    ['a full-width ＠', '＠SUM(A1)', "'＠SUM(A1)"],
    ['spaces before =', '  =1+1', "'  =1+1"],
    ['a zero-width space before =', '\u200b=1+1', "'\u200b=1+1"],
    ['an ideographic space before +', '\u3000+1', "'\u3000+1"],
    ['| (a DDE link)', "|cmd'!A0", "'|cmd'!A0"],
  ])('given a text beginning with %s, when written as CSV, then it begins with an apostrophe', (_sign, cell, written) => {
    expect(one(cell)).toBe(written);
  });

  it('given a text holding a bare carriage return, when written as CSV, then the cell is quoted, so the row is not cut there', () => {
    expect(one('第一行\r第二行')).toBe('"第一行\r第二行"');
    expect(one('\r=1')).toBe('"\'\r=1"');
  });

  it('given a code of exactly 12 digits (the shortest Excel shows as a power of ten), when written as CSV, then it is a text formula; 11 digits stay as they are', () => {
    expect(one('913706003856')).toBe('"=""913706003856"""');
    expect(one('91370600385')).toBe('91370600385');
  });
});
