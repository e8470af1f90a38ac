/** Dashboard charts with chart.js, only the parts we use registered (keeps the bundle small). */
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";
import type { Series } from "../dashboard-model";
import type { IntervalSeries } from "../offers-model";
import { el } from "./dom";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Tooltip, Legend);

const PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#6b7280", "#ef4444", "#8b5cf6", "#14b8a6", "#ec4899"];

export type ChartKind = "bar" | "horizontal-bar" | "doughnut";

/** One chart in a captioned figure; its canvas is labelled with the figures it draws. */
export class ChartCard {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private chart: Chart | null = null;

  constructor(
    title: string,
    private readonly kind: ChartKind,
    private readonly unit = "",
  ) {
    this.canvas = el("canvas", { attrs: { role: "img", "aria-label": title } });
    this.element = el("figure", { className: "chart-card" }, el("figcaption", { text: title }), el("div", { className: "chart-box" }, this.canvas));
  }

  update(series: Series): void {
    this.canvas.setAttribute("aria-label", series.description);
    if (this.chart) {
      this.chart.data.labels = series.labels;
      this.chart.data.datasets[0].data = series.values;
      this.chart.update("none");
      return;
    }
    const doughnut = this.kind === "doughnut";
    const unit = this.unit;
    this.chart = new Chart(this.canvas, {
      type: doughnut ? "doughnut" : "bar",
      data: {
        labels: series.labels,
        datasets: [{ data: series.values, backgroundColor: doughnut ? ["#10b981", "#cbd5e1"] : PALETTE, borderWidth: doughnut ? 0 : 1 }],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: this.kind === "horizontal-bar" ? "y" : "x",
        plugins: {
          legend: { display: doughnut, position: "bottom" },
          tooltip: { callbacks: { label: (ctx) => `${ctx.label}: ${String(ctx.raw)}${unit}` } },
        },
        ...(doughnut ? {} : { scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { beginAtZero: true, ticks: { precision: 0 } } } }),
      },
    });
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = null;
  }
}

/** Uplift intervals as floating bars (low to high, in percentage points) with the measured uplift marked. */
export class IntervalChart {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private chart: Chart | null = null;

  constructor(title: string) {
    this.canvas = el("canvas", { attrs: { role: "img", "aria-label": title } });
    this.element = el("figure", { className: "chart-card" }, el("figcaption", { text: title }), el("div", { className: "chart-box" }, this.canvas));
  }

  update(series: IntervalSeries): void {
    this.canvas.setAttribute("aria-label", series.description);
    this.chart?.destroy();
    this.chart = new Chart(this.canvas, {
      type: "bar",
      data: {
        labels: series.labels,
        datasets: [
          {
            label: "95% interval",
            data: series.ranges,
            backgroundColor: series.ranges.map(([low, high]) => (low > 0 ? "#10b98199" : high < 0 ? "#ef444499" : "#cbd5e199")),
            borderColor: "#334155",
            borderWidth: 1,
          },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (ctx) => {
                const [low, high] = series.ranges[ctx.dataIndex];
                return `uplift ${series.points[ctx.dataIndex]} pp, 95% interval ${low} to ${high} pp`;
              },
            },
          },
        },
        scales: { y: { title: { display: true, text: "percentage points" } } },
      },
    });
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = null;
  }
}
