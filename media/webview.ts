// The webview's script: draws the pipeline's levels from a `graph` message. (The DAG view with
// live run status arrives with the webview issue.)
interface GraphMessage {
  type: 'graph';
  pipelineId: string;
  levels: string[][];
}

function render(root: HTMLElement, msg: GraphMessage): void {
  root.replaceChildren();
  const title = document.createElement('h2');
  title.textContent = msg.pipelineId;
  root.append(title);
  msg.levels.forEach((level, i) => {
    const row = document.createElement('div');
    row.className = 'level';
    row.dataset.level = String(i);
    for (const id of level) {
      const node = document.createElement('span');
      node.className = 'step';
      node.textContent = id;
      row.append(node);
    }
    root.append(row);
  });
}

window.addEventListener('message', (event: MessageEvent<GraphMessage>) => {
  const root = document.getElementById('root');
  if (root && event.data?.type === 'graph') render(root, event.data);
});
