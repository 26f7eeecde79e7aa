/**
 * The SVG diagram (npm run diagrams, docs/processes/*.svg) names who sends a command on its arrow when
 * the state's task does not say it, as the Mermaid and BPMN diagrams do: read alone, the applicant's
 * WITHDRAW out of the provider's review looked like the provider's own.
 */
import { describe, expect, it } from 'vitest';
import { registry } from '../../machines/registry.js';
import { toSvg } from '../../scripts/svg.js';

describe('the SVG diagram of a process', () => {
  it('given the conditional application, when drawn, then the applicant\'s WITHDRAW and the timer\'s USAGE_EXPIRED name their senders', () => {
    const svg = toSvg(registry.latest('conditionalApplication')!);
    expect(svg).toContain('WITHDRAW 撤回申请 · 公共数据利用主体');
    expect(svg).toContain('USAGE_EXPIRED');
    expect(svg).toMatch(/USAGE_EXPIRED[^<]* · 系统自动/);
  });
});
