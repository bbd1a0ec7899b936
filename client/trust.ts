// Workspace Trust: in a restricted workspace a pipeline can be read, checked and drawn, but not
// run: a run executes commands and writes files.
import * as vscode from 'vscode';

export const UNTRUSTED_REASON = 'This workspace is in Restricted Mode: running a pipeline executes its commands and writes files, so Run, Resume and Run From Here need a trusted workspace.';

/** True when the workspace is trusted; otherwise says why not (with a way to trust it) and returns false. */
export function canRun(refuse: (reason: string) => void): boolean {
  if (vscode.workspace.isTrusted) return true;
  refuse(UNTRUSTED_REASON);
  void vscode.window.showWarningMessage(UNTRUSTED_REASON, 'Manage Workspace Trust').then((pick) => {
    if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
