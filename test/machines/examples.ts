/**
 * Valid example data of shared/spec/FORMS.md, shared by the test suites: who acts, one start
 * input per process, and valid data for every command. Realistic Shandong data: 济南市公安局
 * opens data, 济南市大数据局 reviews it, 山东数智科技有限公司 and 李明 apply for it.
 */
import type { Actor } from '../../machines/types.js';

/** Organisations of the shipped directory (directory/data/shandong.json). */
export const orgs = {
  /** 济南市公安局: a city-level provider. */
  provider: '370100-gaj',
  /** 济南市大数据局: the provider's 本级 authority, and 市级以上 for Jinan. */
  cityAuthority: '370100-dsj',
  /** 山东省大数据局. */
  provinceAuthority: '370000-dsj',
  /** 济南市市场监督管理局: another provider of the same city. */
  otherProvider: '370100-scjgj',
  /** 山东数智科技有限公司, identified by its 统一社会信用代码. */
  company: '91370100MA3C8K2D0E',
} as const;

/** A 统一社会信用代码 with a valid GB 32100 check character (济南, 有限责任公司). */
export const companyCreditCode = '91370100MA3C8K2D0E';
/** A 身份证号 with a valid GB 11643 check digit (济南市历下区, born 1988-03-15). */
export const personIdNumber = '370102198803151231';

export const actors = {
  provider: { sub: 'u-gaj-wangqiang', name: '王强', role: 'provider', org: orgs.provider },
  otherProvider: { sub: 'u-scjgj-zhaomin', name: '赵敏', role: 'provider', org: orgs.otherProvider },
  cityAuthority: { sub: 'u-jndsj-liuyang', name: '刘洋', role: 'authority', org: orgs.cityAuthority },
  provinceAuthority: { sub: 'u-sddsj-chenjing', name: '陈静', role: 'authority', org: orgs.provinceAuthority },
  company: { sub: 'u-szkj-sunli', name: '孙丽（山东数智科技有限公司）', role: 'applicant', org: orgs.company },
  person: { sub: 'u-liming', name: '李明', role: 'applicant', org: 'person-u-liming' },
  system: { sub: 'system', name: '系统', role: 'system', org: 'system' },
} satisfies Record<string, Actor>;

export const companyApplicant = {
  type: 'organization',
  name: '山东数智科技有限公司',
  creditCode: companyCreditCode,
  contact: {
    name: '孙丽',
    phone: '0531-88661234',
    email: 'sunli@sdszkj.com.cn',
    address: '山东省济南市历下区经十路 9999 号',
  },
} as const;

export const personApplicant = {
  type: 'person',
  name: '李明',
  idNumber: personIdNumber,
  contact: { name: '李明', phone: '13805310001', email: 'liming@example.cn' },
} as const;

/** When cases in these examples start (UTC). */
export const startedAt = '2025-03-03T01:30:00.000Z';

/** One valid start input per process. */
export const startInputs = {
  datasetRelease: {
    title: '济南市机动车登记信息统计',
    description: '按月统计的全市机动车注册登记数量，按车辆类型和使用性质分类。',
    providerOrg: orgs.provider,
    openAttribute: 'conditional',
    conditions: '仅向完成实名认证并签署安全承诺书的法人开放，用于交通规划研究。',
    serviceModes: ['download', 'api'],
    coverage: { region: '370100', period: { from: '2020-01-01', to: '2024-12-31' } },
    fields: [
      { name: 'month', description: '统计月份' },
      { name: 'vehicleType', description: '车辆类型' },
      { name: 'useNature', description: '使用性质' },
      { name: 'count', description: '登记数量' },
    ],
    updateFrequency: 'monthly',
    containsPersonalInfo: false,
  },
  conditionalApplication: {
    resource: {
      datasetRef: 'sd-open-370100-gaj-0042',
      name: '济南市机动车登记信息统计',
      providerOrg: orgs.provider,
      serviceMode: 'api',
      coverage: { region: '370100', period: { from: '2020-01-01', to: '2024-12-31' } },
    },
    applicant: companyApplicant,
    service: { name: '泉城智慧交通出行分析平台', domain: '交通运输' },
    usePeriod: { from: '2025-03-01', to: '2026-03-31' },
    scenarios: [
      { description: '按区县分析机动车保有量变化，为公交线网优化提供依据。' },
      { description: '结合路网流量数据预测早晚高峰拥堵，向市民提供出行建议。' },
    ],
    serviceStandards: { scope: '济南市全域', users: 5000, concurrency: 200, responseTime: '95% 的请求在 2 秒内响应' },
    expectedBenefits: '降低主城区高峰拥堵时长约 5%，为交通管理部门提供决策参考。',
    securityCommitment: { signed: true, signedAt: '2025-03-02T08:00:00+08:00', signatory: '孙丽' },
    eligibility: {
      realNameVerified: true,
      creditCheck: { dishonestDebtor: false, seriouslyDishonestEnterprise: false, checkedAt: '2025-03-03T09:00:00+08:00' },
    },
  },
  unopenedDataRequest: {
    resourceName: '济南市公共停车场实时泊位数据',
    owningDepartment: '济南市公安局',
    dataItems: ['停车场编号', '停车场名称', '总泊位数', '空余泊位数', '更新时间'],
    serviceMode: 'api',
    coverage: { region: '370100' },
    addressedRegion: '370100',
    applicant: companyApplicant,
    need: '开发停车诱导小程序，引导市民就近停车，缓解主城区停车难。',
    usePeriod: { from: '2025-05-01', to: '2026-04-30' },
    scenarios: [{ description: '在小程序地图上实时展示周边停车场的空余泊位。' }],
  },
  listAdjustment: {
    providerOrg: orgs.provider,
    listYear: 2025,
    cause: 'dutyChange',
    basis: '根据机构改革方案，道路交通事故统计职能划入本单位。',
    changes: [
      { action: 'add', datasetName: '济南市道路交通事故月度统计', detail: '按区县、事故类型统计，无条件开放。' },
      { action: 'modify', datasetName: '济南市机动车登记信息统计', detail: '更新频率由季度调整为月度。' },
    ],
  },
  objection: {
    datasetRef: 'sd-open-370100-gaj-0042',
    datasetName: '济南市机动车登记信息统计',
    providerOrg: orgs.provider,
    kind: 'error',
    description: '2024 年 6 月新能源汽车登记数量为负数，疑为统计错误。',
    evidence: ['下载文件 vehicles-2024-06.csv 第 18 行', '2024 年 6 月统计公报'],
  },
} as const;

/** Valid data for every command of every process (FORMS.md), fitting the start inputs above. */
export const commandData = {
  datasetRelease: {
    UPDATE_DRAFT: { description: '按月统计的全市机动车注册登记数量（含新能源汽车），按车辆类型和使用性质分类。' },
    RECORD_SECURITY_REVIEW: { passed: true, notes: '统计数据，不含个人信息，经本单位安全审查通过。' },
    SET_DESENSITIZATION_RULES: { noneNeeded: true, reason: '数据为汇总统计值，不含个人信息和敏感字段。' },
    SUBMIT: {},
    APPROVE: { opinion: '目录规范，数据格式符合要求，同意发布。' },
    RETURN: { reasons: ['字段 useNature 缺少取值说明', '覆盖时间范围与数据不符'], opinion: '请补充字段说明后重新提交。' },
    WITHDRAW: { reason: '统计口径调整，原数据停止更新。' },
    DISCARD_DRAFT: { reason: '误建的目录草稿，该数据已在另一案件中编制。' },
  },
  conditionalApplication: {
    PASS_NORMATIVE_REVIEW: { opinion: '申请材料齐全、规范。' },
    FAIL_NORMATIVE_REVIEW: { reason: '应用场景描述不完整，未说明数据使用范围。' },
    APPROVE: { opinion: '符合开放条件，同意提供。' },
    REJECT: { reason: '申请用途超出开放条件规定的交通规划研究范围。' },
    SIGN_AGREEMENT: {
      agreementNo: 'JNGA-KF-2025-017',
      purpose: '泉城智慧交通出行分析平台的出行分析与拥堵预测',
      useFrom: '2025-03-01',
      useTo: '2025-12-31',
      destructionDays: 30,
      resultsDueMonths: 6,
    },
    GRANT_ACCESS: { note: '已在开放平台开通接口调用权限。' },
    // v6: days of the agreed use (from 2025-03-01) begun by the day of the report (附录5 协议二(二))
    REPORT_USAGE: { period: { from: '2025-03-01', to: '2025-03-03' }, summary: '3 月 1 日至 3 日累计调用接口 1.2 万次，用于高峰拥堵预测模型训练。' },
    REPORT_RESULTS: { results: '出行分析平台已上线，服务用户 4,800 人，已在开放平台发布应用成果。' },
    REPORT_SECURITY_INCIDENT: { description: '发现一名外包人员越权导出数据，已停用其账号并开展排查。' },
    REQUEST_RENEWAL: { newUseTo: '2026-03-31' },
    APPROVE_RENEWAL: {},
    REJECT_RENEWAL: { reason: '该数据集将于 2026 年调整为无条件开放，无需续签。' },
    SUSPEND: { reason: '利用主体报告数据安全问题，暂停服务待排查。' },
    RESUME: {},
    TERMINATE: { reason: '利用主体将数据提供给非授权第三方，违反安全承诺书。' },
    USAGE_EXPIRED: {},
    CONFIRM_DESTRUCTION: { method: '自行销毁：数据库记录删除并覆写存储介质', evidence: '销毁记录单 SZKJ-XH-2026-003（附截图）' },
    WITHDRAW: { reason: '项目调整，暂不需要该数据。' },
    ACKNOWLEDGE_ACCESS_NOTICE: {},
    ACKNOWLEDGE_SECURITY_INCIDENT: {},
    ACKNOWLEDGE_INCIDENT_NOTICE: {},
    ACKNOWLEDGE_RESULTS: {},
    ACKNOWLEDGE_RESULTS_NOTICE: {},
    ACKNOWLEDGE_SERVICE_NOTICE: { command: 'SUSPEND' },
    ACKNOWLEDGE_USAGE: {},
  },
  unopenedDataRequest: {
    PASS_NORMATIVE_REVIEW: { providerOrg: orgs.provider, opinion: '材料规范，转济南市公安局论证。' },
    FAIL_NORMATIVE_REVIEW: { reason: '未填写数据项，无法确定需求范围。' },
    CONCLUDE_ALREADY_OPEN: {
      datasetRef: 'sd-open-370100-gaj-0077',
      howToObtain: '已在山东公共数据开放网无条件开放，可直接通过接口获取。',
    },
    CONCLUDE_OPENABLE: { plan: '经论证可以开放，拟以数据服务接口方式于 20 个工作日内在开放平台发布。' },
    CONCLUDE_NOT_OPENABLE: { reason: '泊位数据涉及在建停车场的安全管理信息，依法不予开放。' },
    MARK_OPENED: { datasetRef: 'sd-open-370100-gaj-0080' },
  },
  listAdjustment: {
    APPROVE: { opinion: '调整理由充分，同意调整。' },
    RETURN: { opinion: '请补充职能划转的文件依据。' },
    REJECT: { reason: '调整依据不属于法律、法规修改或者职能职责变更。' },
    RESUBMIT: {
      changes: [{ action: 'add', datasetName: '济南市道路交通事故月度统计', detail: '依据济编〔2025〕3号文件，无条件开放。' }],
    },
  },
  objection: {
    RESPOND: { outcome: 'corrected', explanation: '经核查为数据汇聚错误，已于次日更正并重新发布。' },
  },
} as const;

export type ProcessName = keyof typeof startInputs;

/**
 * The conditional application as sent on `day` (YYYY-MM-DD, Beijing) instead of 2025-03-03: its
 * credit check run and its commitment signed that morning (v3 refuses them dated after the application).
 */
export function conditionalApplicationSentOn(day: string) {
  const input = startInputs.conditionalApplication;
  return {
    ...input,
    securityCommitment: { ...input.securityCommitment, signedAt: `${day}T08:00:00+08:00` },
    eligibility: { ...input.eligibility, creditCheck: { ...input.eligibility.creditCheck, checkedAt: `${day}T09:00:00+08:00` } },
  };
}
