/**
 * rclnodejs is an optional dependency: it builds only against a sourced ROS 2, so the module
 * is imported at run time, and its absence is a normal state (the CLI then runs without ROS).
 */
import type { RclModule } from "./rcl-types.js";

export type RclLoadResult = { ok: true; rcl: RclModule } | { ok: false; reason: string };

/** Names the import through a variable so TypeScript does not need rclnodejs's typings to build. */
const MODULE_NAME = "rclnodejs";

export async function loadRclnodejs(env: NodeJS.ProcessEnv = process.env): Promise<RclLoadResult> {
  if (!env.ROS_DISTRO) {
    return { ok: false, reason: "ROS 2 is not sourced (ROS_DISTRO is unset)" };
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(MODULE_NAME)) as { default?: unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return {
      ok: false,
      reason: `rclnodejs could not be loaded (${message}); install it in this package with \`npm install rclnodejs\` after sourcing ROS 2 ${env.ROS_DISTRO}`,
    };
  }
  const rcl = (mod.default ?? mod) as RclModule;
  if (typeof rcl.init !== "function" || typeof rcl.Node !== "function") {
    return {
      ok: false,
      reason: "the module named rclnodejs does not look like rclnodejs (no init() or Node)",
    };
  }
  return { ok: true, rcl };
}
