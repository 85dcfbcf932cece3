// The evaluation worker: scores weight snapshots on the official test digits on a second
// thread, so test sweeps never take time from learning or painting on the page.
import init, { Evaluator } from "../pkg/nla_playground.js";

let ev = null;
const ready = init().then(() => { ev = new Evaluator(); });

onmessage = async ({ data }) => {
  try {
    await ready;
    if (data.type === "test") {
      postMessage({ type: "test", n: ev.set_test(data.images, data.labels) });
    } else if (data.type === "eval") {
      const correct = ev.evaluate(data.layers, data.weights, data.n);
      postMessage({ type: "result", id: data.id, correct, n: data.n });
    }
  } catch (e) {
    postMessage({ type: "error", id: data?.id, message: String(e?.message ?? e) });
  }
};
