/**
 * Synthetic CRM-style memories and questions for bench/load.ts: several agents, many contacts,
 * a few kinds and tags, short notes whose words overlap the way real notes do. Deterministic
 * for a given seed, so runs compare.
 */

const FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Liam"];
const LAST = ["Okafor", "Silva", "Novak", "Tanaka", "Moreau", "Schmidt", "Haddad", "Kowalski", "Reyes", "Lindqvist"];
const COMPANIES = [
  "Acme",
  "Globex",
  "Initech",
  "Umbrella",
  "Hooli",
  "Vandelay",
  "Stark",
  "Wayne",
  "Tyrell",
  "Cyberdyne",
];
const PRODUCTS = ["analytics suite", "billing API", "mobile SDK", "data warehouse", "support desk", "CRM add-on"];
const CHANNELS = ["email", "phone", "Slack", "video calls", "text messages"];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];
const OBJECTIONS = ["price", "security review", "migration effort", "missing SSO", "contract length", "latency"];
const ROLES = ["CTO", "head of sales", "procurement lead", "VP engineering", "ops manager", "founder"];
const COMPETITORS = ["Initrode", "Soylent", "Massive Dynamic", "Oscorp"];
const KINDS = ["note", "preference", "fact", "task"];
const TAGS = ["renewal", "pricing", "churn-risk", "expansion", "onboarding", "support", "legal", "champion"];

export const AGENTS = Array.from({ length: 10 }, (_, i) => `agent-${i}`);

/** mulberry32: small, fast and good enough to spread synthetic data. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;

function person(rand: () => number): string {
  return `${pick(rand, FIRST)} ${pick(rand, LAST)}`;
}

/** One sentence a sales agent might remember about a contact. */
export function note(rand: () => number): string {
  const name = person(rand);
  const company = pick(rand, COMPANIES);
  const product = pick(rand, PRODUCTS);
  const n = 5 + Math.floor(rand() * 495);
  switch (Math.floor(rand() * 6)) {
    case 0:
      return `${name} from ${company} asked about ${product} pricing for ${n} seats; follow up on ${pick(rand, DAYS)}.`;
    case 1:
      return `${name} prefers ${pick(rand, CHANNELS)} and is usually free ${pick(rand, DAYS)} mornings.`;
    case 2:
      return `${company} renewal at risk: ${name} said ${pick(rand, COMPETITORS)} offered ${n % 40}% off a ${product}.`;
    case 3:
      return `Demoed the ${product} to ${name}, ${pick(rand, ROLES)} at ${company}; main objection was ${pick(rand, OBJECTIONS)}.`;
    case 4:
      return `${name} at ${company} wants a ${pick(rand, OBJECTIONS)} answer before signing for ${n} seats of the ${product}.`;
    default:
      return `${company} expanded the ${product} to ${n} users after ${name} championed it internally.`;
  }
}

/** A question an agent might ask before acting. */
export function question(rand: () => number): string {
  const company = pick(rand, COMPANIES);
  const product = pick(rand, PRODUCTS);
  switch (Math.floor(rand() * 5)) {
    case 0:
      return `What did ${pick(rand, FIRST)} from ${company} say about ${product} pricing?`;
    case 1:
      return `Which contacts at ${company} prefer ${pick(rand, CHANNELS)}?`;
    case 2:
      return `Is the ${company} renewal at risk from a competitor discount?`;
    case 3:
      return `What objections came up in ${product} demos, like ${pick(rand, OBJECTIONS)}?`;
    default:
      return `Who championed the ${product} at ${company}?`;
  }
}

export interface SyntheticMemory {
  agentId: string;
  subjectType: string;
  subjectId: string;
  kind: string;
  content: string;
  tags: string[];
  visibility: "private" | "shared";
}

/** The i-th memory of a load: spread over agents, about a thousand contacts per 10,000 memories. */
export function memory(rand: () => number, i: number, total: number): SyntheticMemory {
  const contacts = Math.max(10, Math.floor(total / 10));
  return {
    agentId: AGENTS[i % AGENTS.length]!,
    subjectType: "contact",
    subjectId: `contact-${Math.floor(rand() * contacts)}`,
    kind: pick(rand, KINDS),
    content: note(rand),
    tags: [pick(rand, TAGS), pick(rand, TAGS)].filter((t, j, all) => all.indexOf(t) === j),
    visibility: rand() < 0.3 ? "shared" : "private",
  };
}
