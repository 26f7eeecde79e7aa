/**
 * The Chinese names of the API's own request fields — the envelopes of POST /v1/cases and of a
 * command, the queries and path parameters of the routes, a holiday notice's body — for the detail of
 * a VALIDATION_FAILED answer, as machines/fieldLabels.ts names the forms' fields (`FORM_LABELS`: what
 * the engine checks, `input` and `data`, it names). Here, the request part (`body`, `querystring`,
 * `params`) is the "form" a top-level key is named by.
 */
import { fieldLabel, type FieldLabels } from '../machines/fieldLabels.js';

const REQUEST_LABELS: FieldLabels = {
  byKey: {},
  byParent: {
    // PUT /v1/calendar/:year: a notice's blocks, one a holiday.
    blocks: { name: '节日名称', text: '通知原文', holidays: '放假日期', adjustedWorkdays: '调休上班日期' },
  },
  byForm: {
    body: {
      // POST /v1/cases, POST /v1/cases/:id/commands
      process: '流程',
      input: '表单内容',
      type: '指令',
      data: '指令内容',
      expectedRevision: '案件版本',
      // PUT /v1/calendar/:year: 国务院办公厅关于节假日安排的通知
      notice: '通知名称',
      url: '通知网址',
      issued: '发布日期',
      title: '通知标题',
      holidays: '放假日期',
      adjustedWorkdays: '调休上班日期',
      blocks: '节日安排',
      // POST /v1/test/clock (test clock only)
      now: '测试时钟时刻',
    },
    querystring: {
      process: '流程',
      state: '状态',
      final: '是否已办结',
      org: '机构',
      limit: '每页条数',
      cursor: '翻页游标',
      minPosition: '读模型最低位置',
      asOf: '截至时刻',
      overdue: '是否逾期',
      dueWithin: '到期工作日数',
      assigned: '是否分派给本机构',
      region: '行政区划',
      basis: '时限依据',
      from: '起始时间',
      to: '终止时间',
      groupBy: '分组方式',
      format: '格式',
      table: '报表',
      version: '版本',
      workingDays: '工作日数',
    },
    params: {
      id: '案件编号',
      year: '年度',
      name: '流程名称',
    },
  },
};

/**
 * The name of the request field at `path` as the API names it (`body.expectedRevision`,
 * `querystring.limit`, `body.blocks.0.name`): undefined for a field it does not name (`body.input.…`,
 * whose fields the engine names with their form's).
 */
export function requestFieldLabel(path: string): string | undefined {
  const [part, ...rest] = path.split('.');
  return rest.length === 0 ? undefined : fieldLabel(rest.join('.'), part, REQUEST_LABELS);
}
