/** What `npm run demo` prints at the end: counts, timing, refusals, tokens per role and curl lines. */
import { mintToken } from '../../api/auth.js';
import { developmentSecret } from '../../infra/config.js';
import type { Directory } from '../../directory/directory.js';
import { stateLabel } from '../../machines/describe.js';
import type { ProcessRegistry } from '../../machines/registry.js';
import type { DemoResult } from './run.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} 秒`;

export function summaryLines(result: DemoResult, registry: ProcessRegistry): string[] {
  const lines: string[] = [];
  lines.push(
    `已生成 ${result.cases} 个案件、${result.events} 个事件（种子 ${result.seed}，截至 ${result.now.toISOString()}），数据目录 ${result.config.dataDir}`,
    `用时 ${seconds(result.durationMs.total)}（规划 ${seconds(result.durationMs.plan)}，经引擎写入 ${seconds(result.durationMs.execute)}；${result.steps} 个步骤，调度器夜间运行 ${result.nightlyRuns} 次）`,
    '',
    '按流程和状态：',
  );
  for (const [process, states] of Object.entries(result.byProcess)) {
    const def = registry.latest(process);
    const total = Object.values(states).reduce((a, b) => a + b, 0);
    const parts = Object.entries(states)
      .sort((a, b) => b[1] - a[1])
      .map(([state, n]) => `${def ? stateLabel(def, state) : state}（${state}）${n}`);
    lines.push(`  ${def?.title ?? process}（${process}）共 ${total}：${parts.join('，')}`);
  }
  const regions = Object.entries(result.byRegion).sort((a, b) => b[1] - a[1]);
  lines.push('', `按地区：${regions.map(([name, n]) => `${name} ${n}`).join('，')}`);
  const system = Object.entries(result.systemEvents).map(([command, n]) => `${command} ${n}`);
  lines.push(
    '',
    `期限：按期完成 ${result.finishedOnTime} 个环节，逾期完成 ${result.finishedLate} 个，未办即终止 ${result.cancelled} 个（其中逾期后终止 ${result.cancelledLate} 个），至今逾期未办 ${result.openOverdue} 个`,
    `系统自动产生的事件：${system.length > 0 ? system.join('，') : '无'}（USAGE_EXPIRED：使用期限届满；MARK_OPENED：关联的数据集发布后自动办结）`,
    `被引擎拒绝的步骤：${result.refusals.length}${result.skipped > 0 ? `（其后跳过 ${result.skipped} 个步骤）` : ''}`,
  );
  for (const r of result.refusals.slice(0, 10)) {
    lines.push(`  ${r.at} ${r.process} ${r.caseId ?? '（未建案）'} ${r.command}：${r.code} ${r.message}`);
  }
  return lines;
}

interface TokenSpec {
  label: string;
  sub: string;
  name: string;
  role: 'applicant' | 'provider' | 'authority' | 'supervisor' | 'auditor' | 'admin';
  org: string;
}

/** Tokens per role and three curl lines against the API; a note instead when tokens are not signed locally. */
export async function accessLines(result: DemoResult, directory: Directory): Promise<string[]> {
  const { config } = result;
  if (config.jwksUrl) return ['', '已配置 WORKFLOW_JWKS_URL：令牌由身份提供方签发，这里不生成令牌。'];
  const secret = config.jwtSecret ?? developmentSecret(config.dataDir);
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const base = `http://${host}:${config.port}`;
  const applicant = result.showcase?.applicant;
  const specs: TokenSpec[] = [
    ...(applicant ? [{ label: '利用主体', sub: applicant.sub, name: applicant.name ?? applicant.sub, role: 'applicant' as const, org: applicant.org }] : []),
    { label: '开放主体', sub: 'u-370100-gaj-demo', name: `演示用户（${directory.nameOf('370100-gaj')}）`, role: 'provider', org: '370100-gaj' },
    { label: '主管部门', sub: 'u-370100-dsj-demo', name: `演示用户（${directory.nameOf('370100-dsj')}）`, role: 'authority', org: '370100-dsj' },
    { label: '监督评估', sub: 'u-370000-dsj-supervisor', name: `监督员（${directory.nameOf('370000-dsj')}）`, role: 'supervisor', org: '370000-dsj' },
    { label: '审计', sub: 'u-370000-dsj-auditor', name: `审计员（${directory.nameOf('370000-dsj')}）`, role: 'auditor', org: '370000-dsj' },
    { label: '平台管理员', sub: 'u-admin', name: '平台管理员', role: 'admin', org: '370000-dsj' },
  ];
  const tokens = new Map<string, string>();
  const lines = ['', `令牌（HS256，12 小时有效；${config.jwtSecret ? 'WORKFLOW_JWT_SECRET' : `${config.dataDir}/dev-jwt-secret`} 签名）：`];
  for (const spec of specs) {
    const token = await mintToken(secret, { sub: spec.sub, name: spec.name, role: spec.role, org: spec.org });
    tokens.set(spec.role, token);
    lines.push(`  ${spec.label}（${spec.role}，${spec.org === applicant?.org ? spec.name : `${directory.nameOf(spec.org)} ${spec.org}`}）：`, `    ${token}`);
  }
  lines.push('', `试一试（先在另一个终端运行 npm start）：`);
  lines.push(`  # ${directory.nameOf('370100-dsj')}的待办，最急的在前`);
  lines.push(`  curl -s -H 'Authorization: Bearer ${tokens.get('authority')}' '${base}/v1/inbox'`);
  lines.push(`  # 全省逾期报告（CSV，监督评估）`);
  lines.push(`  curl -s -H 'Authorization: Bearer ${tokens.get('supervisor')}' '${base}/v1/reports/overdue?format=csv' -o overdue.csv`);
  if (result.showcase) {
    lines.push(`  # ${result.showcase.title}：有条件开放申请的 ${result.showcase.events} 个事件（审计）`);
    lines.push(`  curl -s -H 'Authorization: Bearer ${tokens.get('auditor')}' '${base}/v1/cases/${result.showcase.caseId}/history'`);
    lines.push('', `  时间线：npm run replay -- ${result.showcase.caseId}`);
  }
  return lines;
}
