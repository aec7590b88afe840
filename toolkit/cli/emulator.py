"""`mlws emulator serve`: the local Microsoft.MachineLearning service, in the foreground."""

from pathlib import Path
from typing import Annotated

import typer

from toolkit.cli.app import Debug, Output, OutputFormat, Query, app, start

emulator_app = typer.Typer(
    name="emulator",
    help="The local Microsoft.MachineLearning service (ARM provider, BES, RRS) on loopback.\n\n"
    "Example: mlws emulator serve --port 8123 --db .mlws/emulator.db",
    no_args_is_help=True,
)
app.add_typer(emulator_app)


@emulator_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Loopback address to listen on (other hosts are refused).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one and prints it.")] = 0,
    db: Annotated[Path, typer.Option(help="SQLite file holding the state; it survives restarts.")] = Path(
        ".mlws/emulator.db"
    ),
    op_seconds: Annotated[float, typer.Option(help="How long long-running operations stay Provisioning.")] = 0.2,
    job_seconds: Annotated[float, typer.Option(help="How long a started BES job runs.")] = 0.2,
    patch_seconds: Annotated[
        float, typer.Option(help="How long a patched Classic endpoint keeps its old model (the service: ~30 s).")
    ] = 0.2,
    token: Annotated[
        str | None, typer.Option(help="The only bearer token accepted (default: any non-empty token).")
    ] = None,
    read_budget: Annotated[
        int | None, typer.Option(help="ARM reads per subscription per window before 429 (default: unlimited).")
    ] = None,
    write_budget: Annotated[
        int | None, typer.Option(help="ARM writes per subscription per window before 429 (default: unlimited).")
    ] = None,
    throttle_window: Annotated[float, typer.Option(help="Length of the throttling window in seconds.")] = 3600.0,
    error_rate: Annotated[float, typer.Option("--error-rate", help="Fraction of requests answered 500/503.")] = 0.0,
    drop_rate: Annotated[float, typer.Option(help="Fraction of connections dropped without an answer.")] = 0.0,
    fail_rate: Annotated[float, typer.Option(help="Fraction of long-running operations that end Failed.")] = 0.0,
    seed: Annotated[int | None, typer.Option(help="Seed for the injected faults (repeatable runs).")] = None,
    page_size: Annotated[int, typer.Option(help="Items per page of list operations.")] = 10,
    output: Output = OutputFormat.text,
    query: Query = None,
    debug: Debug = False,
) -> int:
    """Run the emulator in the foreground until Ctrl-C or SIGTERM; prints its URL and the env to export.

    Faults and throttling can be changed while it runs: PUT /_emulator/faults, PUT /_emulator/throttle.

    \b
    Example: mlws emulator serve --port 8123 --db .mlws/emulator.db --op-seconds 1
    """
    start(output, debug, query)
    from toolkit.cli.render import emit
    from toolkit.emulator.server import Emulator, EmulatorConfig, serve_foreground
    from toolkit.result import Shown

    LOCAL_SUBSCRIPTION = "00000000-0000-4000-8000-00000000d3e0"

    config = EmulatorConfig(
        host=host,
        port=port,
        db=db,
        op_seconds=op_seconds,
        job_seconds=job_seconds,
        patch_seconds=patch_seconds,
        token=token,
        read_budget=read_budget,
        write_budget=write_budget,
        throttle_window=throttle_window,
        error_rate=error_rate,
        drop_rate=drop_rate,
        fail_rate=fail_rate,
        seed=seed,
        page_size=page_size,
    )

    def announce(emulator: Emulator) -> None:
        # What a shell needs to use it, ready for `eval`: the emulator takes any subscription id; this one is the
        # local services' (scripts/services.sh).
        env = {
            "MLWS_ARM_ENDPOINT": emulator.url,
            "AZURE_SUBSCRIPTION_ID": LOCAL_SUBSCRIPTION,
            "MLWS_CLASSIC_ENDPOINT": emulator.url,
        }
        text = "\n".join(
            [
                f"# mlws emulator listening on {emulator.url} (state in {db}); Ctrl-C to stop",
                *(f"export {name}={value}" for name, value in env.items()),
            ]
        )
        emit(Shown({"url": emulator.url, "db": str(db), "env": env}, text))

    serve_foreground(config, announce)
    return 0
