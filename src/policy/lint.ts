/**
 * Security lint of the policies of an API's pipeline (pure): a managed-identity token kept in a variable
 * (`output-token-variable-name`) and also written somewhere it can be read — a trace, a header other than the one
 * that sends it to its backend, a body. Warnings with the fix; they never fail a check by themselves.
 *
 * Sources: "Authenticate with managed identity" policy reference (`output-token-variable-name`: "Name of the context
 * variable that will receive token value as an object of type string"); trace policy reference (trace output goes
 * to Application Insights / Azure Monitor and to request tracing in the test console); set-header / set-body /
 * return-response policy references (what they put on the request or response).
 */
import { lineAt, tagText } from './errors.js';
import { AUTH, inSideRequest, readsVariable } from './predicates.js';
import { attr, descendants, parsePolicy, type ElementNode, type ParsedPolicy } from './tree.js';
import { PolicyParseError } from './errors.js';

/** One lint finding about a policy (see the module docstring). */
export interface PolicyLint {
  /** e.g. `operation get-order of API orders, line 12` */
  where: string;
  message: string;
  fix: string;
}

/** A document of the pipeline: its label for messages (`API policy orders`, `policy fragment x`) and rawxml text. */
export interface LintDoc {
  label: string;
  raw: string;
}

/** The section (`inbound`, `backend`, `outbound`, `on-error`) an element is in, or '' (a fragment's root). */
function sectionOf(el: ElementNode): string {
  let e: ElementNode | undefined = el;
  while (e?.parent && e.parent.name !== 'policies') e = e.parent;
  return e?.parent ? e.name : '';
}

/** Where `el` writes what it reads, when that is a place others can read: a trace, a header, a body. */
function sink(el: ElementNode): string | undefined {
  if (el.name === 'trace' || el.name === 'log-to-eventhub') return el.name === 'trace' ? 'a trace' : 'an Event Hub log';
  if (el.name === 'set-body' || el.name === 'return-response') return 'a body';
  if (el.name !== 'set-header') return undefined;
  const section = sectionOf(el);
  if (section === 'outbound' || section === 'on-error') return "a response header (the caller's)";
  const name = attr(el, 'name');
  // Authorization to the backend is how the token is meant to travel (the "carrier" form).
  if (name && !name.expression && name.value.trim().toLowerCase() === 'authorization') return undefined;
  return 'a request header other than Authorization';
}

/** Token variables of one document: every managed-identity element with a literal output-token-variable-name. */
function tokenVars(p: ParsedPolicy, label: string): { name: string; from: string }[] {
  return [p.root, ...descendants(p.root)]
    .filter((e) => e.name === AUTH)
    .flatMap((e) => {
      const v = attr(e, 'output-token-variable-name');
      return v && !v.expression && v.value.trim()
        ? [{ name: v.value.trim(), from: `${tagText(p.raw, e)} (${label}, line ${lineAt(p.raw, e)})` }]
        : [];
    });
}

/**
 * Token exposures across `docs` (one API's pipeline: the API policy, its operations' policies, the fragments they
 * include; a variable set in one may be read in another): each element outside side requests (`<send-request>`
 * sends to its own backend) that reads a token variable (`context.Variables["name"]` / `GetValueOrDefault`) and
 * writes it to a trace, an Event Hub log, a body, a response header, or a request header other than Authorization.
 * The outermost such element is reported once. Documents that cannot be parsed are skipped. Never throws.
 */
export function tokenExposures(docs: LintDoc[]): PolicyLint[] {
  const parsed = docs.flatMap((d) => {
    try {
      return [{ ...d, p: parsePolicy(d.raw) }];
    } catch (e) {
      if (e instanceof PolicyParseError) return [];
      throw e;
    }
  });
  const vars = parsed.flatMap((d) => tokenVars(d.p, d.label));
  const out: PolicyLint[] = [];
  for (const d of parsed) {
    const reported: ElementNode[] = [];
    for (const el of descendants(d.p.root)) {
      const to = sink(el);
      if (!to || inSideRequest(el) || reported.some((r) => el.start >= r.start && el.end <= r.end)) continue;
      const text = d.raw.slice(el.start, el.end);
      const v = vars.find((x) => readsVariable(text, x.name));
      if (!v) continue;
      reported.push(el);
      out.push({
        where: `${d.label}, line ${lineAt(d.raw, el)}`,
        message:
          `${tagText(d.raw, el)} writes the managed-identity token kept in variable "${v.name}" (from ${v.from}) to ` +
          `${to}: whoever reads it gets a bearer token APIM's identity obtained`,
        fix: 'Do not write the token anywhere but the Authorization header of the request it is for; trace or log a non-secret fact instead (e.g. that a token was obtained)'
      });
    }
  }
  return out;
}
