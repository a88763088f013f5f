/** A bar-like uPlot chart of jobs completed and failed per bucket, sized to its container. */
import uPlot from "uplot";
import { html, useEffect, useRef } from "./html.js";

export function EndedChart({ title, timeline }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    if (!timeline || !box.current) return;
    const xs = timeline.buckets.map((b) => Date.parse(b.at) / 1000);
    const data = [xs, timeline.buckets.map((b) => b.completed), timeline.buckets.map((b) => b.failed)];
    const width = Math.max(box.current.clientWidth, 200);
    if (plot.current && plot.current.width === width) {
      plot.current.setData(data);
      return;
    }
    plot.current?.destroy();
    plot.current = new uPlot(
      {
        width,
        height: 180,
        series: [
          {},
          { label: "completed", stroke: "#1f7a4d", fill: "rgba(31,122,77,0.15)" },
          { label: "failed", stroke: "#b3261e", fill: "rgba(179,38,30,0.15)" },
        ],
        axes: [{}, { size: 40 }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(max, 1)] } },
      },
      data,
      box.current,
    );
  }, [timeline]);
  useEffect(() => () => plot.current?.destroy(), []);
  const total = timeline?.buckets.reduce((sum, b) => sum + b.completed + b.failed, 0) ?? 0;
  return html`<figure class="chart">
    <figcaption>${title} — ${total} ended</figcaption>
    <div ref=${box} role="img" aria-label=${`${title}: jobs completed and failed`}></div>
  </figure>`;
}
