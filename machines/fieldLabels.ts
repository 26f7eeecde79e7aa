/**
 * The Chinese names of the fields of every start input and command (shared/spec/FORMS.md), for the
 * sentence a VALIDATION_FAILED answer's `detail` says to the civil servant who reads it:
 * `reason（理由）必填`, not `reason 必填` — the key kept for the developer, the name for the reader.
 * The machine-readable `errors: [{ path, message }]` are not touched (API.md: a public contract).
 *
 * Each name is the regulation's own wording where it has one (鲁数发〔2022〕15号: its articles, and
 * its appendices' forms — 附录3 有条件开放数据申请表, 附录4 公共数据安全承诺书, 附录5 公共数据开放利用
 * 协议, 附录7 未开放数据需求申请表), else FORMS.md's description of the field. A key that means one
 * thing under one parent and another elsewhere is named by its parent (`byParent`), a form's top-level
 * key that means something else in another form by the form (`byForm`). test/machines/fieldLabels.test.ts
 * walks every registered form: a field added without a name here fails it.
 */

/** Field names by key, by the key of the object a field is in, and by form. */
export interface FieldLabels {
  /** A key's name wherever it is, unless `byParent` or `byForm` name it otherwise. */
  readonly byKey: Readonly<Record<string, string>>;
  /** By the key of the object the field is in, list indices skipped (`scenarios.0.description`: `scenarios`). */
  readonly byParent: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * A key at the top of a form, by the form: `process.COMMAND` for that command, else `process` for
   * every form of the process (its start and the commands that take its fields, UPDATE_DRAFT).
   */
  readonly byForm: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The field names of every form of 鲁数发〔2022〕15号's processes. */
export const FORM_LABELS: FieldLabels = {
  byKey: {
    // ── Shared shapes (FORMS.md): Period, Coverage, Contact, Applicant ──
    from: '起始日期',
    to: '终止日期',
    coverage: '资源覆盖范围', // 附录3, 附录7
    region: '地域范围', // 附录3, 附录7 资源覆盖范围：数据资源的地域范围
    applicant: '申请主体', // 第十四条(二)
    creditCode: '统一社会信用代码',
    idNumber: '身份证号', // 附录3
    contact: '联系方式',
    phone: '联系电话', // 附录3, 附录7
    email: '联系邮箱', // 附录7
    address: '联系地址', // 附录3
    providerOrg: '公共数据开放主体', // 第四条, 附录3
    opinion: '意见', // 第九条(二) 说明理由、意见
    reason: '理由', // 第九条(二), 第十四条(二)(三), 第十五条 告知理由
    serviceMode: '服务方式', // 附录3, 附录7
    scenarios: '应用场景', // 附录3, 附录7
    usePeriod: '使用期限', // 附录5 协议二(二)
    datasetRef: '数据集编号',
    datasetName: '数据集名称',

    // ── datasetRelease (第七条, 第九条) ──
    title: '数据集名称',
    openAttribute: '开放属性', // 第二条, 第七条
    conditions: '开放条件', // 第七条 明确具体开放条件
    serviceModes: '服务方式', // 第十条
    fields: '数据字段',
    updateFrequency: '更新频率',
    containsPersonalInfo: '是否含个人信息',
    passed: '是否通过安全审查', // 第九条(一) 进行安全审查
    notes: '安全审查意见', // 第九条(一)
    rules: '脱敏规则', // 第九条(一) 确定脱敏规则
    noneNeeded: '无需脱敏',
    reasons: '理由', // 第九条(二) 反馈并说明理由、意见

    // ── conditionalApplication (第十三条, 第十四条, 附录3–5) ──
    resource: '资源信息', // 附录3
    service: '应用服务', // 附录3
    serviceStandards: '服务内容与标准', // 附录3
    scope: '服务范围', // 附录3 服务内容与标准 (1)
    users: '应用系统用户数', // 附录3 服务内容与标准 (2)
    concurrency: '并发', // 附录3 服务内容与标准 (3)
    responseTime: '时效的响应', // 附录3 服务内容与标准 (4)
    expectedBenefits: '预期成效', // 附录3
    securityCommitment: '公共数据安全承诺书', // 第十四条(一), 附录4
    signed: '已签署承诺书', // 第十四条(一)
    signedAt: '签署时间', // 附录4 承诺书七 自签署之日起生效
    signatory: '签署人', // 附录4 公共数据利用主体（签章）
    eligibility: '申请条件', // 第十三条
    realNameVerified: '已完成实名认证', // 第十三条(一)
    creditCheck: '失信情况核查', // 第十三条(二)
    dishonestDebtor: '被列入失信被执行人名单', // 第十三条(二)
    seriouslyDishonestEnterprise: '被列入严重违法失信企业名单', // 第十三条(二)
    checkedAt: '核查时间',
    agreementNo: '协议编号', // 附录5 公共数据开放利用协议
    purpose: '数据用途', // 附录5 协议二(一)
    useFrom: '使用起始时间', // 附录5 协议二(二) 使用期限
    useTo: '使用终止时间', // 附录5 协议二(二)
    destructionDays: '数据销毁时长（天）', // 附录5 协议二(二) 协议终止后……在（时长）内……销毁数据
    resultsDueMonths: '完成开发应用时长（月）', // 附录5 协议二(三)3 在（X个月）内完成开发应用
    note: '备注',
    summary: '数据利用情况', // 第五条, 附录5 协议二(三)2 反馈数据利用情况
    results: '数据应用成果', // 附录5 协议二(三)3 反馈数据应用成果情况
    newUseTo: '续签后的使用终止时间', // 附录5 协议二(二) 本协议可续签

    // ── unopenedDataRequest (第十五条, 附录7) ──
    resourceName: '需求资源名称', // 附录7
    owningDepartment: '所属部门', // 附录7 所属部门：数据归属部门
    dataItems: '数据项', // 附录7
    addressedRegion: '受理地区',
    need: '需求描述', // 附录7 需求描述：申请使用数据的原因
    howToObtain: '数据获取方式', // 第十五条 告知数据获取方式
    plan: '开放安排', // 第十五条 经论证可以开放的……通过开放平台进行开放
    datasetReleaseCaseId: '数据集开放案件编号',

    // ── listAdjustment (第八条第二款) ──
    listYear: '开放清单年度', // 第八条 年度公共数据开放清单
    cause: '调整原因', // 第八条第二款 因法律、法规修改或者职能职责变更
    changes: '调整事项', // 第八条第二款 申请调整公共数据开放清单
    action: '调整方式',
    detail: '调整说明',

    // ── objection (第十六条第二款) ──
    kind: '异议或建议类型', // 第十六条第二款 错误、遗漏、侵犯其合法权益等情形
    outcome: '处理结果', // 第十六条第二款 处理并反馈
    explanation: '处理说明',
  },
  byParent: {
    resource: { name: '资源名称', datasetRef: '数据集编号' }, // 附录3
    applicant: { name: '法人单位名称/个人姓名', type: '申请主体类型' }, // 附录3, 附录7
    contact: { name: '联系人' }, // 附录3
    service: { name: '应用服务名称', domain: '所属领域' }, // 附录3
    fields: { name: '字段名称', description: '字段说明' },
    scenarios: { description: '应用场景' }, // 附录3, 附录7 应用场景：……多个场景应分别描述
    usePeriod: { from: '使用起始时间', to: '使用终止时间' }, // 附录3, 附录7
    coverage: { period: '时间范围' }, // 附录3, 附录7 资源覆盖范围：……时间范围
    rules: { field: '脱敏字段', method: '脱敏方式', note: '备注' }, // 第九条(一) 确定脱敏规则
  },
  byForm: {
    datasetRelease: { description: '数据集描述', basis: '不予开放的依据' }, // 第七条 不予开放的……明确有关依据
    'datasetRelease.SET_DESENSITIZATION_RULES': { reason: '无需脱敏的理由' },
    'conditionalApplication.REPORT_SECURITY_INCIDENT': { description: '数据安全问题描述' }, // 第五条, 附录5 协议二(四)2
    'conditionalApplication.REPORT_USAGE': { period: '报告期间' },
    'conditionalApplication.ACKNOWLEDGE_SERVICE_NOTICE': { command: '知悉的主管部门决定' }, // 附录4 承诺书六 暂停、恢复或停止数据开放服务
    'conditionalApplication.CONFIRM_DESTRUCTION': { method: '销毁方式', evidence: '销毁证明' }, // 附录5 协议二(二) 自行销毁或其他方式
    listAdjustment: { basis: '调整依据' }, // 第八条第二款
    objection: { description: '异议或建议内容', evidence: '证明材料' }, // 第十六条第二款
  },
};

/** `table[key]` when the table has it as its own (not `constructor`, `__proto__`): a name, or a table of names. */
function own<T>(table: Readonly<Record<string, T>> | undefined, key: string | undefined): T | undefined {
  return table !== undefined && key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * The name of the field at `path` (`applicant.contact.phone`, `scenarios.0.description`): of its
 * last named segment (list indices skipped), by its parent's key, by `form` when it is at the top,
 * else by its key alone. Undefined for a key the dictionary has not (the whole form `''`, a key
 * sent that no form has: `constructor`, `remark`).
 */
export function fieldLabel(path: string, form?: string, labels: FieldLabels = FORM_LABELS): string | undefined {
  const named = path.split('.').filter((segment) => segment !== '' && !/^\d+$/.test(segment));
  const key = named.at(-1);
  if (key === undefined) return undefined;
  if (named.length > 1) return own(own(labels.byParent, named.at(-2)), key) ?? own(labels.byKey, key);
  const process = form?.split('.')[0];
  return own(own(labels.byForm, form), key) ?? own(own(labels.byForm, process), key) ?? own(labels.byKey, key);
}

/**
 * One error of a form as the Chinese detail says it: `reason（理由）必填` with its field's name, `reason 必填`
 * without one, the message alone for the whole form (path `''`).
 */
export function fieldErrorSaid(error: { path: string; message: string; label?: string | undefined }): string {
  if (!error.path) return error.message;
  return error.label ? `${error.path}（${error.label}）${error.message}` : `${error.path} ${error.message}`;
}
