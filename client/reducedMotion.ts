// Spinning icons only where the person has not asked the workbench for fewer animations
// (`workbench.reduceMotion: on`). VS Code's own setting does not stop an extension's `~spin`
// icons, and an icon that spins is an animation the browser draws every frame: while a run was held
// at a breakpoint, the status bar's spinner alone kept chromium's compositor busy (docs/benchmarks.md,
// "The suite's CPU").
import * as vscode from 'vscode';

/** Whether the workbench is set to render with fewer animations. `auto` follows the operating
 * system's preference, which an extension cannot read: it spins. */
export function motionReduced(): boolean {
  return vscode.workspace.getConfiguration('workbench').get<string>('reduceMotion') === 'on';
}

/** `icon` spinning (`sync~spin`), or still when motion is reduced (`sync`). */
export function spinningIcon(icon: string): string {
  return motionReduced() ? icon : `${icon}~spin`;
}
