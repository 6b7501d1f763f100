// Prints an execution's state-by-state history (the event log aws-local-stepfunctions
// keeps, plus the harness's ExecutionRedriven marker), the way the console's "Events" tab
// reads, for failed scenarios.

const MAX_JSON = Number(process.env.E2E_HISTORY_JSON ?? 300);

function short(value) {
  if (value === undefined) return '';
  const text = JSON.stringify(value);
  return text.length > MAX_JSON ? `${text.slice(0, MAX_JSON)}…` : text;
}

export function formatHistory(events) {
  const start = events[0]?.timestamp ?? 0;
  return events
    .map((e) => {
      const t = `+${((e.timestamp - start) / 1000).toFixed(3)}s`.padStart(9);
      const state = e.state ? `${e.state.name} (${e.state.type})` : '';
      switch (e.type) {
        case 'ExecutionStarted':
          return `${t} ExecutionStarted input=${short(e.input)}`;
        case 'ExecutionSucceeded':
          return `${t} ExecutionSucceeded output=${short(e.output)}`;
        case 'ExecutionFailed':
          return `${t} ExecutionFailed ${e.Error}: ${e.Cause}`;
        case 'ExecutionRedriven':
          return `${t} ExecutionRedriven (RedriveCount ${e.redriveCount}; the harness's redrive re-enters the last state without an Exited event)`;
        case 'StateEntered':
          return `${t} → ${state}`;
        case 'StateExited':
          return `${t} ← ${state} output=${short(e.state.output)}`;
        case 'StateFailed':
          return `${t} ✗ ${state} ${e.Error}: ${e.Cause}`;
        case 'StateRetried':
          return `${t} ↻ ${state} retry #${e.retry.attempt} (${e.retry.retrier.ErrorEquals.join(',')})`;
        case 'StateCaught':
          return `${t} ⤷ ${state} caught by ${e.catch.catcher.ErrorEquals.join(',')} → ${e.catch.catcher.Next}`;
        default:
          return `${t} ${e.type} ${state}`;
      }
    })
    .join('\n');
}
