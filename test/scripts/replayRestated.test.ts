/**
 * `npm run replay` on a deadline a holiday notice re-stated (README "Loading next year's holiday
 * notice"): old → new, whether it became official, and — when the date the notice gives was not taken —
 * that date and why. Calendar QA: an auditor counting against the corrected 2028 notice got 2028-01-24
 * where the case said 01-31, and replay said only `2028-02-02 → 2028-01-31（日历版本 … → …）`.
 */
import { describe, expect, it } from 'vitest';
import { restatedText } from '../../scripts/demo/replay.js';

const end = (day: string) => new Date(Date.parse(`${day}T23:59:59.999+08:00`)).toISOString();
const due = (day: string, provisional: boolean, calendarVersion: string) => ({ dueAt: end(day), dueDate: day, provisional, calendarVersion });

describe('a re-stated deadline in replay', () => {
  it('given a provisional date the notice leaves alone, then it says it is now official', () => {
    const text = restatedText({ stage: 'handling', old: due('2027-06-10', true, '511b4f36efcd'), new: due('2027-06-10', false, '5530862f10fe') }, '处理异议或建议并反馈');
    expect(text).toBe('处理异议或建议并反馈 2027-06-10 周四 23:59 → 2027-06-10 周四 23:59（暂定期限按已载入的通知改为正式期限；日历版本 511b4f36efcd → 5530862f10fe）');
  });

  it('given a date the notice puts before its loading day (held at the first working day after it), then the date it gives, and why it was not taken', () => {
    const text = restatedText(
      { stage: 'review', old: due('2028-02-02', false, 'a8c8d2586479'), new: due('2028-01-31', false, 'c0ffee000001'), computed: { dueAt: end('2028-01-24'), dueDate: '2028-01-24' } },
      '审核开放清单调整申请',
    );
    expect(text).toBe(
      '审核开放清单调整申请 2028-02-02 周三 23:59 → 2028-01-31 周一 23:59（按新日历为 2028-01-24 周一 23:59，早于通知载入之日，定为载入之日（逢休息日为其后第一个工作日），不使任务事后逾期；日历版本 a8c8d2586479 → c0ffee000001）',
    );
  });

  it('given a date already past when the notice was loaded, and earlier still by the notice, then it stays, saying so', () => {
    const text = restatedText(
      { stage: 'normativeReview', old: due('2027-02-02', true, '511b4f36efcd'), new: due('2027-02-02', false, 'a8c8d2586479'), computed: { dueAt: end('2027-02-01'), dueDate: '2027-02-01' } },
      '有条件开放数据申请材料规范性审查',
    );
    expect(text).toBe('有条件开放数据申请材料规范性审查 2027-02-02 周二 23:59 → 2027-02-02 周二 23:59（暂定期限按已载入的通知改为正式期限；按新日历为 2027-02-01 周一 23:59，早于通知载入之日，保持原期限；日历版本 511b4f36efcd → a8c8d2586479）');
  });

  it('given a provisional date still provisional after the notice (a year the notice does not reach), then it says so', () => {
    expect(restatedText({ stage: 'resultsReport', old: due('2037-09-30', true, 'a'), new: due('2037-09-30', true, 'b') }, '反馈数据应用成果')).toBe('反馈数据应用成果 2037-09-30 周三 23:59 → 2037-09-30 周三 23:59（仍为暂定期限；日历版本 a → b）');
  });
});
