/**
 * Hardware profiles: the built-in ones (profiles.json, each figure cited) and users' own JSON
 * files of the same shape, validated so an error names the file and the field.
 *
 * File format: { "profiles": [ { name, description, model?, unit: "J" | "flop", synapticOp,
 * neuronUpdate, annMac, annNeuron?, annLabel?, annVariants?, memory?, citation }, ... ] } (a
 * bare array is accepted too); src/power/README.md describes every field.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import builtin from "./profiles.json" with { type: "json" };
import type { HardwareProfile } from "./types.js";

const energy = z.number().finite().nonnegative();
const bits = z.number().int().positive();

const AnnVariantSchema = z.strictObject({
  name: z.string().min(1),
  annMac: energy,
  annNeuron: energy.optional(),
  bits: bits.optional(),
});

const MemorySchema = z.strictObject({
  wordBits: bits,
  banks: z
    .array(z.strictObject({ bytes: z.number().positive(), energy }))
    .min(1)
    .refine((b) => b.every((bank, i) => i === 0 || bank.bytes > b[i - 1].bytes), {
      message: "list the banks from the smallest to the largest",
    }),
  weightBits: bits,
  stateBits: bits,
  activationBits: bits,
});

export const HardwareProfileSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string(),
    model: z.enum(["arithmetic", "memory-aware"]).optional(),
    unit: z.enum(["J", "flop"]),
    synapticOp: energy,
    neuronUpdate: energy,
    annMac: energy,
    annNeuron: energy.optional(),
    annLabel: z.string().min(1).optional(),
    annVariants: z.array(AnnVariantSchema).optional(),
    memory: MemorySchema.optional(),
    citation: z.string().min(1),
  })
  .refine((p) => p.model !== "memory-aware" || p.memory !== undefined, {
    message: 'a memory-aware profile needs "memory" figures',
    path: ["memory"],
  });

const ProfileList = z.array(HardwareProfileSchema).min(1);
export const ProfileFileSchema = z.union([z.strictObject({ profiles: ProfileList }), ProfileList]);

/** A profile file that cannot be used; the message names the file and the field. */
export class ProfileError extends Error {
  override readonly name = "ProfileError";
  constructor(
    readonly source: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${source}: ${field ? `${field}: ` : ""}${detail}`);
  }
}

/** Validate parsed JSON as a list of profiles; `source` names it in errors (e.g. the file path). */
export function parseProfiles(json: unknown, source: string): HardwareProfile[] {
  const parsed = ProfileFileSchema.safeParse(json);
  if (!parsed.success) {
    // The union reports one issue per branch; the object form is the documented one.
    const issues = parsed.error.issues;
    const first = issues[0];
    const inner =
      first.code === "invalid_union" && Array.isArray(json)
        ? first.errors[1]?.[0]
        : first.code === "invalid_union"
          ? first.errors[0]?.[0]
          : first;
    const issue = inner ?? first;
    const field = formatPath(issue.path);
    throw new ProfileError(
      source,
      field,
      `${issue.message}. Each profile needs name, description, unit ("J" or "flop"), synapticOp, neuronUpdate, annMac (non-negative numbers) and citation; model, annNeuron, annLabel, annVariants and memory are optional (src/power/README.md)`,
    );
  }
  const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.profiles;
  const seen = new Map<string, number>();
  list.forEach((p, i) => {
    const before = seen.get(p.name);
    if (before !== undefined) {
      throw new ProfileError(
        source,
        `profiles[${i}].name`,
        `profile "${p.name}" is defined twice (also profiles[${before}]); give each a unique name`,
      );
    }
    seen.set(p.name, i);
  });
  return list;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Read and validate a user's profile file. */
export function loadProfileFile(path: string): HardwareProfile[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ProfileError(path, "", `cannot read the file: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProfileError(path, "", `is not valid JSON: ${(error as Error).message}`);
  }
  return parseProfiles(json, path);
}

export const BUILTIN_PROFILES: readonly HardwareProfile[] = Object.freeze(
  parseProfiles(builtin, "src/power/profiles.json"),
);

export const DEFAULT_PROFILE = "cmos45-horowitz";

/** Profiles by name: the built-in ones, then users' (a user profile replaces a built-in of its name). */
export class ProfileRegistry {
  private readonly byName = new Map<string, HardwareProfile>();

  constructor(extra: readonly HardwareProfile[] = []) {
    for (const p of BUILTIN_PROFILES) this.byName.set(p.name, p);
    for (const p of extra) this.byName.set(p.name, HardwareProfileSchema.parse(p));
  }

  /** Built-ins plus the profiles in each file. */
  static withFiles(paths: readonly string[]): ProfileRegistry {
    return new ProfileRegistry(paths.flatMap((p) => loadProfileFile(p)));
  }

  get(name: string = DEFAULT_PROFILE): HardwareProfile {
    const profile = this.byName.get(name);
    if (!profile) {
      throw new RangeError(
        `unknown power profile "${name}"; known: ${this.names().join(", ")} (add your own with a profiles JSON file)`,
      );
    }
    return profile;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  list(): HardwareProfile[] {
    return [...this.byName.values()];
  }
}
