/**
 * A 2027 holiday notice for tests only: a plausible arrangement, not the State Council's (none was
 * published when this was written; the real one is issued late in 2026). 劳动节 has one 调休 working
 * day: May 1 and 2 fall on a weekend, so May 3 and 4 are their 补假 (第六条) and only May 5 is swapped
 * (with two, the notice gave a day too few off, and a load refuses that: calendars/notice.ts `makeUpIssues`).
 */
import type { YearNotice } from '../../calendars/index.js';

export const testNotice2027 = {
  year: 2027,
  notice: '国办发明电〔2026〕X号（测试数据）',
  title: '国务院办公厅关于2027年部分节假日安排的通知（测试数据）',
  url: 'https://www.gov.cn/zhengce/content/test/notice-2027.htm',
  issued: '2026-11-05',
  holidays: [
    '2027-01-01', '2027-01-02', '2027-01-03',
    '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12', '2027-02-13',
    '2027-04-03', '2027-04-04', '2027-04-05',
    '2027-05-01', '2027-05-02', '2027-05-03', '2027-05-04', '2027-05-05',
    '2027-06-09',
    '2027-09-15',
    '2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05', '2027-10-06', '2027-10-07',
  ],
  adjustedWorkdays: ['2027-01-31', '2027-02-20', '2027-05-08', '2027-09-26', '2027-10-09'],
  blocks: [
    { name: '元旦', text: '一、元旦：1月1日（周五）至3日（周日）放假，共3天。', holidays: ['2027-01-01', '2027-01-02', '2027-01-03'], adjustedWorkdays: [] },
    {
      name: '春节',
      text: '二、春节：2月5日（农历除夕、周五）至13日（周六）放假调休，共9天。1月31日（周日）、2月20日（周六）上班。',
      holidays: ['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12', '2027-02-13'],
      adjustedWorkdays: ['2027-01-31', '2027-02-20'],
    },
    { name: '清明节', text: '三、清明节：4月3日（周六）至5日（周一）放假，共3天。', holidays: ['2027-04-03', '2027-04-04', '2027-04-05'], adjustedWorkdays: [] },
    {
      name: '劳动节',
      text: '四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。5月8日（周六）上班。',
      holidays: ['2027-05-01', '2027-05-02', '2027-05-03', '2027-05-04', '2027-05-05'],
      adjustedWorkdays: ['2027-05-08'],
    },
    { name: '端午节', text: '五、端午节：6月9日（周三）放假，共1天。', holidays: ['2027-06-09'], adjustedWorkdays: [] },
    { name: '中秋节', text: '六、中秋节：9月15日（周三）放假，共1天。', holidays: ['2027-09-15'], adjustedWorkdays: [] },
    {
      name: '国庆节',
      text: '七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。',
      holidays: ['2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05', '2027-10-06', '2027-10-07'],
      adjustedWorkdays: ['2027-09-26', '2027-10-09'],
    },
  ],
} satisfies YearNotice;

const noMakeUp = (days: readonly string[]) => days.filter((d) => d !== '2027-02-09' && d !== '2027-02-10');
/** The test notice without 春节's 补假 days (02-09, 02-10): what an earlier build took as official, and a load now refuses (第六条). */
export const shortNotice2027 = {
  ...testNotice2027,
  holidays: noMakeUp(testNotice2027.holidays),
  blocks: testNotice2027.blocks.map((b) => ({ ...b, holidays: noMakeUp(b.holidays) })),
} satisfies YearNotice;
