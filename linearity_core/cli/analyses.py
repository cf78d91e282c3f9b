"""The CLI's analyses and imports: an epsilon sweep, the mistakes table, adding files."""

import argparse
from pathlib import Path

from linearity_core import defaults
from linearity_core.cli.commands import CLIENT, choose_executor, run_config, selected_model, watch
from linearity_core.errors import LinearityError
from linearity_core.paths import import_tensorflow_quietly


def cmd_sweep(args: argparse.Namespace) -> int:
    from linearity_core.service.analyses import submit_sweep
    from linearity_core.service.views import growth, lattice_floor, sweep_epsilons, sweep_frame

    epsilons = sweep_epsilons(args.low, args.high, args.count)
    config = run_config(args, epsilon=defaults.EPSILON)
    choose_executor(args)
    dataset, handle = selected_model(args, args.model_seed)
    job = submit_sweep(dataset, handle, config, epsilons, client=CLIENT)
    progress = watch(job, lambda p: f"{len(p.results)}/{len(epsilons)} epsilons")
    frame = sweep_frame(epsilons, list(progress.results))
    table = frame.pivot(index="layer_index", columns="epsilon", values="mean")
    table.index = [frame.layer[frame.layer_index == i].iloc[0] for i in table.index]
    print(table.to_string(float_format=lambda v: f"{v:.4g}"))
    print(growth(frame, lattice_floor(args.res)).to_string(index=False))
    return 0


def cmd_mistakes(args: argparse.Namespace) -> int:
    from linearity_core.service.runs import submit_run
    from linearity_core.service.views import mistakes_of

    choose_executor(args)
    dataset, handle = selected_model(args, args.model_seed)
    job = submit_run(dataset, handle, run_config(args), client=CLIENT)
    last = watch(job, lambda p: f"{p.instances_done}/{p.n_instances} instances")
    summary = mistakes_of(job.id, last.result)
    print(f"{summary.n_mistakes} mistakes, {summary.n_correct} correct")
    print(summary.table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from linearity_core.service.catalog import (
        DATASET_SUFFIXES,
        accept_dataset,
        accept_model,
        load_dataset,
    )

    path = Path(args.file)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LinearityError(f"{path} cannot be read ({exc.strerror})") from exc
    try:
        if path.suffix.lower() in DATASET_SUFFIXES:
            found = accept_dataset(raw, path.name, args.name)
            print(f"dataset {path.name} added; pass it as --dataset")
        else:
            import_tensorflow_quietly()
            dataset = load_dataset(args.dataset)
            found = accept_model(raw, path.name, dataset, args.reading)
            print(
                f"model {path.name} added, checked against {dataset.spec.name}; pass it as --model"
            )
    except LinearityError as exc:
        raise LinearityError(f"{path.name} was refused: {exc}") from exc
    print(found)
    return 0
