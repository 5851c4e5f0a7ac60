// Prints, as JSON, which timer and due_in values the browser's checks (app/web/static/modeler/values.js)
// refuse: `node modeler_values.mjs '{"timers": [...], "due": [...]}'`.
import { dueInProblem, timerProblem } from "../../app/web/static/modeler/values.js";

const { timers, due } = JSON.parse(process.argv[2]);
console.log(JSON.stringify({
  timers: timers.map((value) => timerProblem("timeDuration", value) !== null),
  due: due.map((value) => dueInProblem(value) !== null),
}));
