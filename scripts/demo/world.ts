/**
 * The people and things of the demo: the directory's providers and authorities with their staff,
 * each provider's datasets (named after its region and domain), and a pool of applicants —
 * companies with 统一社会信用代码 and persons with 身份证号 — living in the cities of Shandong.
 */
import { cityOf, type Directory, type Org } from '../../directory/directory.js';
import type { Actor } from '../../machines/types.js';
import type { Applicant } from '../../machines/schemas.js';
import { COMPANY_TRADES, COMPANY_WORDS, DOMAINS, domainOf, GIVEN_NAMES, ROADS, SURNAMES, type DatasetTemplate, type DomainKey } from './catalogue.js';
import { creditCode, idNumber } from './identity.js';
import { Random, seedOf } from './random.js';

export interface Dataset {
  /** The open platform's reference, e.g. `sd-open-370100-gaj-0001`. */
  ref: string;
  /** e.g. 济南市机动车登记信息统计 */
  title: string;
  template: DatasetTemplate;
  provider: Provider;
}

export interface Provider {
  org: Org;
  domain: DomainKey;
  /** e.g. 济南市, 山东省, 济南市历下区 */
  regionName: string;
  datasets: Dataset[];
  staff: Actor[];
}

export interface Authority {
  org: Org;
  regionName: string;
  staff: Actor[];
}

export interface DemoApplicant {
  actor: Actor;
  form: Applicant & { contact: { email: string } };
  /** The city it lives in (a 37xx00 code). */
  city: string;
}

export interface World {
  directory: Directory;
  providers: Provider[];
  authorities: Map<string, Authority>;
  /** Cities (and the province, 370000) with their weight in the demo: Jinan and Qingdao are busiest. */
  regions: { code: string; name: string; weight: number }[];
  applicants: DemoApplicant[];
  providersIn(region: string): Provider[];
  authorityOf(region: string): Authority;
}

/** How busy each city is (the rest get 1). */
const REGION_WEIGHTS: Record<string, number> = {
  '370000': 14,
  '370100': 20,
  '370200': 20,
  '370600': 9,
  '370700': 8,
  '371300': 8,
  '370300': 3,
  '370800': 3,
  '371000': 2,
};

const AREA_CODES: Record<string, string> = {
  '370000': '0531', '370100': '0531', '370200': '0532', '370300': '0533', '370400': '0632', '370500': '0546',
  '370600': '0535', '370700': '0536', '370800': '0537', '370900': '0538', '371000': '0631', '371100': '0633',
  '371300': '0539', '371400': '0534', '371500': '0635', '371600': '0543', '371700': '0530',
};

/** Districts people are registered in (身份证号 places 1–6), by city. */
const DISTRICTS: Record<string, string[]> = {
  '370100': ['370102', '370103', '370104', '370105', '370112', '370113'],
  '370200': ['370202', '370203', '370211', '370212', '370213', '370214'],
  '370300': ['370302', '370303', '370304'],
  '370600': ['370602', '370611', '370612', '370613'],
  '370700': ['370702', '370703', '370704', '370705'],
  '370800': ['370811', '370812'],
  '371000': ['371002', '371003'],
  '371300': ['371302', '371311', '371312'],
};

const personName = (random: Random) => `${random.pick(SURNAMES)}${random.pick(GIVEN_NAMES)}`;

function mobile(random: Random): string {
  return `1${random.pick(['35', '37', '38', '39', '52', '58', '59', '80', '82', '86', '87', '88', '99'])}${random.chars('0123456789', 8)}`;
}

function landline(random: Random, city: string): string {
  return `${AREA_CODES[city] ?? '0531'}-${random.int(5, 8)}${random.chars('0123456789', 7)}`;
}

/** The region's name: the authority's name without 大数据局 (济南市, 山东省, 济南市历下区). */
function regionNameOf(directory: Directory, region: string): string {
  return directory.authorityOf(region)?.name.replace(/大数据局$/, '') ?? region;
}

function staffOf(org: Org, role: 'provider' | 'authority', count: number): Actor[] {
  const random = new Random(seedOf(org.code, 1));
  return Array.from({ length: count }, (_, i) => ({
    sub: `u-${org.code}-${String(i + 1).padStart(2, '0')}`,
    name: personName(random),
    role,
    org: org.code,
  }));
}

function companyName(random: Random, cityShort: string, taken: Set<string>): string {
  for (;;) {
    const legal = random.chance(0.12) ? '股份有限公司' : '有限公司';
    const name = `${cityShort}${random.pick(COMPANY_WORDS)}${random.pick(COMPANY_TRADES)}${legal}`;
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

export function buildWorld(directory: Directory, seed: number): World {
  const orgs = directory.list();
  const authorities = new Map<string, Authority>();
  for (const org of orgs.filter((o) => o.kind === 'authority')) {
    authorities.set(org.region, { org, regionName: regionNameOf(directory, org.region), staff: staffOf(org, 'authority', 3) });
  }

  const providers: Provider[] = [];
  for (const org of orgs.filter((o) => o.kind === 'provider')) {
    const domain = domainOf(org.code);
    if (!domain) continue;
    const provider: Provider = { org, domain, regionName: regionNameOf(directory, org.region), datasets: [], staff: staffOf(org, 'provider', 2) };
    provider.datasets = DOMAINS[domain].datasets.map((template, i) => ({
      ref: `sd-open-${org.code}-${String(i + 1).padStart(4, '0')}`,
      title: `${provider.regionName}${template.name}`,
      template,
      provider,
    }));
    providers.push(provider);
  }

  const cities = [...authorities.values()].filter((a) => a.org.level !== 'county');
  const regions = cities.map((a) => ({ code: a.org.region, name: a.regionName, weight: REGION_WEIGHTS[a.org.region] ?? 1 }));

  // Applicants: companies and persons, most of them in the busy cities.
  const random = new Random(seed).fork('applicants');
  const taken = new Set<string>();
  const applicants: DemoApplicant[] = [];
  const cityWeights = regions.map((r) => [r.code, r.weight] as const);
  for (let i = 0; i < 160; i++) {
    const region = random.weighted(cityWeights);
    const city = region === '370000' ? random.pick(['370100', '370200']) : region;
    const cityName = regionNameOf(directory, city);
    const cityShort = cityName.replace(/市$/, '');
    const address = `山东省${cityName}${random.pick(ROADS)}${random.int(1, 999)} 号`;
    if (i % 3 !== 2) {
      const name = companyName(random, random.chance(0.1) ? '山东' : cityShort, taken);
      const code = creditCode(random, city);
      const contactName = personName(random);
      applicants.push({
        city,
        actor: { sub: `u-${code.slice(-8).toLowerCase()}`, name: `${contactName}（${name}）`, role: 'applicant', org: code },
        form: {
          type: 'organization',
          name,
          creditCode: code,
          contact: { name: contactName, phone: landline(random, city), email: `${random.chars('abcdefghjkmnpqrstwxyz', random.int(4, 7))}@${random.chars('abcdefghjkmnpqrstwxyz', random.int(4, 6))}.com.cn`, address },
        },
      });
    } else {
      const name = personName(random);
      const sub = `u-p${String(i).padStart(4, '0')}`;
      const district = random.pick(DISTRICTS[city] ?? [city.replace(/00$/, '02')]);
      applicants.push({
        city,
        actor: { sub, name, role: 'applicant', org: `person-${sub}` },
        form: {
          type: 'person',
          name,
          idNumber: idNumber(random, district, 1965, 2003, random.chance(0.5)),
          contact: { name, phone: mobile(random), email: `${random.chars('abcdefghjkmnpqrstwxyz', random.int(5, 8))}${random.int(10, 999)}@${random.pick(['163.com', 'qq.com', '126.com', 'sina.com'])}`, address },
        },
      });
    }
  }

  return {
    directory,
    providers,
    authorities,
    regions,
    applicants,
    providersIn(region) {
      return providers.filter((p) => p.org.region === region || (region !== '370000' && cityOf(p.org.region) === region && p.org.region !== region));
    },
    authorityOf(region) {
      const authority = authorities.get(region);
      if (!authority) throw new Error(`no authority for region ${region}`);
      return authority;
    },
  };
}
