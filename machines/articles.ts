/**
 * How the regulation's citations read in English (第十四条(二) → Article 14(2)): for whatever shows an
 * article to a client that asked for English — a refusal's rule, an inbox item's note.
 */

const NUMERALS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** A Chinese numeral up to 99 (二十二 → 22). */
function chineseNumber(text: string): number {
  const [tens, units] = text.includes('十') ? text.split('十') : ['', text];
  return (text.includes('十') ? (NUMERALS[tens!] ?? 1) * 10 : 0) + (NUMERALS[units!] ?? 0);
}

/**
 * A citation of the regulation in English: 第十四条(二) → Article 14(2), 第八条第二款 → Article 8,
 * para. 2, 附录5 协议二(三)3 → Appendix 5, Agreement §2(3)3, 附录4 承诺书六 → Appendix 4, Commitment §6.
 */
export function articleInEnglish(article: string): string {
  const n = '([一二三四五六七八九十]+)';
  return article
    .replace(new RegExp(`第${n}条`, 'g'), (_, x: string) => `Article ${chineseNumber(x)}`)
    .replace(new RegExp(`第${n}款`, 'g'), (_, x: string) => `, para. ${chineseNumber(x)}`)
    .replace(new RegExp(`\\(${n}\\)`, 'g'), (_, x: string) => `(${chineseNumber(x)})`)
    // A comma before what the appendix's part names (附录5 协议二), not before the next citation (附录3、附录5).
    .replace(/附录(\d+)\s*(?=(、?))/g, (_, x: string, next: string) => (next ? `Appendix ${x}` : `Appendix ${x}, `))
    .replace(new RegExp(`协议${n}`, 'g'), (_, x: string) => `Agreement §${chineseNumber(x)}`)
    .replace(new RegExp(`承诺书${n}`, 'g'), (_, x: string) => `Commitment §${chineseNumber(x)}`)
    .replace(/、/g, ', ')
    .replace(/,\s*$/, '');
}
