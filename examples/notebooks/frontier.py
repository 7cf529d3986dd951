"""Plot the team's accuracy-versus-size frontier from the Distillery API, with pandas and matplotlib.

    pip install pandas matplotlib
    DISTILLERY_URL=http://localhost:8080 DISTILLERY_API_KEY=dst_... python3 frontier.py [--dataset mnist] [--sweep ID]

It reads GET /v1/results?format=csv (one line per configuration: mean, std and 95% CI of accuracy over seeds,
bytes, and one column per configuration dimension named by its sweep-spec path), computes the Pareto frontier on
the means, and writes frontier.png: every configuration with its std as an error bar, coloured by
model.activation, the frontier drawn through. With --sweep it also writes curves.png: the sweep's learning curves
(validation loss per epoch) from GET /v1/sweeps/ID/metrics?format=csv. pandas and matplotlib are not Distillery
dependencies; install them where you analyse.
"""

import argparse
import os
import sys
from urllib.parse import urlencode


def read_api_csv(path, **query):
    """A CSV answer of the API as a DataFrame; the key travels as a request header (pandas storage_options)."""
    import pandas as pd

    base = os.environ.get("DISTILLERY_URL", "http://localhost:8080").rstrip("/")
    key = os.environ.get("DISTILLERY_API_KEY")
    if not key:
        sys.exit("set DISTILLERY_API_KEY (a key of your team: distillery key create NAME --role viewer)")
    query = {"format": "csv", **{k: v for k, v in query.items() if v is not None}}
    url = f"{base}{path}?{urlencode(query)}"
    return pd.read_csv(url, storage_options={"Authorization": f"Bearer {key}"})


def pareto_frontier(df):
    """Configurations no other configuration beats on both size (fewer bytes) and mean accuracy."""
    ordered = df.sort_values(["bytes", "accuracyMean"], ascending=[True, False])
    best = float("-inf")
    keep = []
    for index, row in ordered.iterrows():
        if row["accuracyMean"] > best:
            keep.append(index)
            best = row["accuracyMean"]
    return ordered.loc[keep]


def plot_frontier(df, dataset, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = df[df["dataset.name"] == dataset]
    if rows.empty:
        sys.exit(f"no results for data set {dataset!r} (have: {', '.join(sorted(df['dataset.name'].unique()))})")
    fig, ax = plt.subplots(figsize=(8, 5))
    for activation, group in rows.groupby(rows["model.activation"].fillna("imported")):
        ax.errorbar(
            group["bytes"] / 1024,
            group["accuracyMean"],
            yerr=group["accuracyStd"].fillna(0),
            fmt="o",
            capsize=3,
            label=activation,
        )
    front = pareto_frontier(rows)
    ax.plot(front["bytes"] / 1024, front["accuracyMean"], "k--", linewidth=1, label="frontier")
    ax.set_xscale("log")
    ax.set_xlabel("packed weights (KB)")
    ax.set_ylabel("test accuracy (mean over seeds, ± std)")
    ax.set_title(f"{dataset}: accuracy against size")
    ax.legend(title="model.activation")
    fig.tight_layout()
    fig.savefig(out, dpi=150)
    print(f"{out}: {len(rows)} configurations, {len(front)} on the frontier")
    print(front[["label", "model.activation", "quantize.bits", "bytes", "accuracyMean", "accuracyStd", "n"]])


def plot_curves(sweep, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = read_api_csv(f"/v1/sweeps/{sweep}/metrics")
    fig, ax = plt.subplots(figsize=(8, 5))
    for label, run in metrics.groupby("label"):
        column = "valLoss" if run["valLoss"].notna().any() else "trainLoss"
        ax.plot(run["epoch"], run[column], marker=".", label=f"{label} ({column})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(out, dpi=150)
    print(f"{out}: {metrics['runId'].nunique()} runs")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist", help="data set to plot (default: mnist)")
    parser.add_argument("--sweep", help="also plot this sweep's learning curves")
    parser.add_argument("--out", default="frontier.png", help="the frontier image (default: frontier.png)")
    args = parser.parse_args()
    results = read_api_csv("/v1/results", dataset=args.dataset, sweep=args.sweep)
    plot_frontier(results, args.dataset, args.out)
    if args.sweep:
        plot_curves(args.sweep, "curves.png")


if __name__ == "__main__":
    main()
