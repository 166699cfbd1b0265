"""``tap-compliance deploy``: gate once, then deploy exactly the template bytes that passed.

Order: refuse early what needs no AWS call (no terminal to ask, direct method in a protected
environment); synth + gate into --out; gate exit 1 or 2 stops here, before any AWS call; then
credentials and roles, the CDK bootstrap version, assets, the change set (or direct
create/update), events, outputs, and ``deployment.json`` beside the findings record.
"""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from botocore.exceptions import ClientError
from rich.console import Console
from rich.markup import escape
from rich.prompt import Confirm
from rich.table import Table

from compliance.aws.assets import Published, publish_assets
from compliance.aws.bootstrap import check_bootstrap
from compliance.aws.errors import TRANSPORT_ERRORS, AwsFailure, aws_errors, describe_error
from compliance.aws.events import Outcome, StillInProgress, wait_for_stack
from compliance.aws.evidence import keep_previous, store
from compliance.aws.options import DeployOptions
from compliance.aws.session import AwsSession
from compliance.aws.stack import (
    ChangeSet,
    StackState,
    change_set_name,
    create_change_set,
    describe_stack,
    direct,
    discard_change_set,
    ensure_deployable,
    execution_status,
    foreign_changes,
    s3_url,
    template_argument,
    template_sha256,
)
from compliance.aws.stopping import Stopped, StopSwitch
from compliance.aws.target import DeployTarget, gated_contents, read_target
from compliance.errors import InputError
from compliance.outputs import publish
from compliance.outputs.tables import print_table
from compliance.record import deployment as rec
from compliance.record.findings import FindingsRecord, Target
from policies.catalog import Catalog

#: Environments where replacing a data store needs --allow-replace.
PROTECTED_ENVIRONMENTS = frozenset({"prod"})
#: Events a little older than our first call are still ours (clock skew with AWS).
CLOCK_SKEW = timedelta(seconds=5)


@dataclass
class Interaction:
    """The terminal: where to print, whether and how to ask, how to wait."""

    console: Console = field(default_factory=Console)
    stdin_is_terminal: Callable[[], bool] = field(default=lambda: sys.stdin.isatty())
    confirm: Callable[[str, Console], bool] = field(
        default=lambda question, console: Confirm.ask(question, console=console, default=False)
    )
    sleep: Callable[[float], None] = time.sleep


#: Runs the gate into the evidence folder (synthesis, judging, every output, the summary on
#: the terminal) and returns its record; the caller builds it (``aws`` never runs the engine).
Gate = Callable[[], FindingsRecord]


def run(
    options: DeployOptions,
    *,
    gate: Gate,
    catalog: Catalog,
    io: Interaction | None = None,
) -> int:
    """The whole command; returns the exit code, raises :class:`AwsFailure` / InputError."""
    io = io or Interaction()
    _refuse_early(options, io)
    keep_previous(options.out)
    record = gate()
    if record.summary.gate.exit_code != 0:
        io.console.print("gate failed: nothing was sent to AWS")
        return record.summary.gate.exit_code
    gated = _gated_target(record, options)
    target = read_target(options.out / publish.ASSEMBLY, options.env.stack_name, gated.sha256)
    contents = gated_contents(target, gated.assets)
    return Deployment(options, target, record, io, catalog, contents).run()


def _refuse_early(options: DeployOptions, io: Interaction) -> None:
    protected = options.env.name in PROTECTED_ENVIRONMENTS
    if options.method == "direct" and protected and not options.allow_replace:
        raise AwsFailure(
            f"--method direct shows no change set, so replacements in {options.env.name} "
            "cannot be checked: use --method change-set, or pass --allow-replace"
        )
    if not options.yes and not options.dry_run and not io.stdin_is_terminal():
        raise AwsFailure(
            "stdin is not a terminal, so deploy cannot ask for confirmation: "
            "pass --yes to deploy without asking (or --dry-run to only see the changes)"
        )


def _gated_target(record: FindingsRecord, options: DeployOptions) -> Target:
    for target in record.targets:
        if target.stack == options.env.stack_name:
            return target
    raise InputError(f"the gate judged no stack named {options.env.stack_name}")


class Deployment:
    """One deployment of one gated stack."""

    def __init__(
        self,
        options: DeployOptions,
        target: DeployTarget,
        record: FindingsRecord,
        io: Interaction,
        catalog: Catalog,
        contents: dict[str, bytes] | None = None,
    ) -> None:
        self.options = options
        #: The gated bytes of each asset, by id (:func:`gated_contents`).
        self.contents = contents if contents is not None else gated_contents(target, [])
        self.target = target
        self.record = record
        self.io = io
        self.catalog = catalog
        self.console = io.console
        self.started = datetime.now(UTC)
        self.bootstrap: int | None = None
        self.assets: list[Published] = []
        self.change_set: ChangeSet | None = None
        self.stack_id: str | None = None
        #: The S3 URL the template was sent by (None: inline, or not sent yet).
        self.template_url: str | None = None
        self.creating = False
        #: CreateChangeSet was sent (the change set may exist before its id is known).
        self.change_set_sent = False
        #: An operation was asked of CloudFormation (ExecuteChangeSet, CreateStack, ...).
        self.executing = False
        #: The stack status last read while waiting.
        self.last_status: str | None = None
        #: The non-idempotent calls' client: one attempt each (None: the client at hand).
        self.once: object | None = None
        #: Sent with the non-idempotent calls: a retry of ours is known as the same request.
        self.token = f"tap-compliance-{secrets.token_hex(16)}"
        self.switch = StopSwitch()
        #: When --timeout runs out (time.monotonic), counted again from :meth:`run`.
        self.deadline = time.monotonic() + options.timeout
        #: Why the record could not be written where it belongs (and where it went instead).
        self.write_problem: str | None = None
        #: This run's deployment.json is written (a late signal must not overwrite it).
        self.written = False

    def run(self) -> int:
        """Deploy within ``--timeout`` of wall time; SIGINT and SIGTERM stop it. Every exit
        once a change set was asked for, and every stop, writes deployment.json (a usage,
        credentials or endpoint error before that writes none); the exit code, or
        :class:`AwsFailure` with one line."""
        self.deadline = time.monotonic() + self.options.timeout
        with self.switch.armed(self.options.timeout):
            try:
                code = self._deploy()
            except Stopped as stop:
                with self.switch.held_back():
                    raise self._with_write_problem(self._stopped(stop)) from None
            except AwsFailure as failure:
                with self.switch.held_back():
                    self._failed(failure)
                    raise self._with_write_problem(failure) from None
        held = self.switch.held
        if held is not None:  # came while the final record was written: it is whole
            raise self._with_write_problem(
                AwsFailure(
                    f"{held.reason} received as the run ended; deployment.json is complete",
                    held.exit_code,
                )
            )
        if self.write_problem:
            raise AwsFailure(self.write_problem, max(code, 2))
        return code

    def _with_write_problem(self, failure: AwsFailure) -> AwsFailure:
        if not self.write_problem:
            return failure
        return AwsFailure(f"{failure}; and {self.write_problem}", failure.exit_code)

    def _next_step(self) -> str:
        stack = self.stack_id or self.target.stack_name
        return (
            f"aws cloudformation describe-stacks --stack-name {stack} --region "
            f"{self.target.region}; deploy again once the stack is no longer *_IN_PROGRESS"
        )

    def _stopped(self, stop: Stopped) -> AwsFailure:
        """Record what is known when a signal or the deadline ends the run; the line to exit
        with."""
        if self.written:
            return AwsFailure(
                f"{stop.reason} received as the run ended; deployment.json is complete",
                stop.exit_code,
            )
        what = (
            f"interrupted by {stop.reason}"
            if stop.by_signal
            else f"--timeout of {self.options.timeout:g} s reached"
        )
        if self.executing:
            status = self.last_status or "being changed"
            message = (
                f"{what} while {self.target.stack_name} was {status}: "
                "the operation goes on in CloudFormation"
            )
            self._write(
                "in-progress",
                message=message,
                stack_status=self.last_status,
                next_step=self._next_step(),
            )
        else:
            sent = self.change_set_sent
            before = "the change set was executed" if sent else "any change set was created"
            message = f"{what} before {before}: nothing was deployed"
            next_step = None
            if self.change_set:
                next_step = (
                    "aws cloudformation delete-change-set --change-set-name "
                    f"{self.change_set.id} (it was left for review)"
                )
            elif sent:
                next_step = (
                    f"aws cloudformation list-change-sets --stack-name {self.target.stack_name} "
                    "(delete the one this run left)"
                )
            outcome: rec.Outcome = "interrupted" if stop.by_signal else "failed"
            self._write(outcome, message=message, next_step=next_step)
        return AwsFailure(message, stop.exit_code)

    def _failed(self, failure: AwsFailure) -> None:
        """Record a failure: still running (the wait ended), unknown (AWS could not be read
        once the operation began), or failed."""
        if isinstance(failure, StillInProgress):
            self._write(
                "in-progress",
                message=str(failure),
                stack_status=failure.status,
                next_step=self._next_step(),
            )
        elif self.executing and failure.exit_code == 2:
            self._write(
                "unknown",
                message=str(failure),
                stack_status=self.last_status,
                next_step=self._next_step(),
            )
        elif failure.exit_code == 1 or self.change_set_sent:
            self._write("failed", message=str(failure), stack_status=self.last_status)

    def _deploy(self) -> int:
        target, options = self.target, self.options
        caller = AwsSession.open(
            profile=options.profile, region=target.region, endpoint_url=options.endpoint_url
        )
        session = caller.in_account(
            target.deploy_role_arn, target.account, purpose="deploy", stack_name=target.stack_name
        )
        self.bootstrap = check_bootstrap(session, target)
        self.console.print(
            f"deploying {target.stack_name} to aws://{target.account}/{target.region}"
        )
        self.assets = publish_assets(
            caller,
            target.assets,
            account=target.account,
            contents=self.contents,
            report=self._asset_line,
        )
        template = template_argument(target.template, self._template_url())
        self.template_url = template.get("TemplateURL")
        cfn = session.client("cloudformation")
        self.once = session.client("cloudformation", retries=False)
        state = describe_stack(cfn, target.stack_name)
        ensure_deployable(state)
        self.stack_id, self.creating = state.stack_id, state.change_set_type == "CREATE"
        if options.method == "direct":
            return self._direct(cfn, state, template)
        return self.via_change_set(cfn, state, template)

    def _template_url(self) -> str | None:
        asset = self.target.template_asset()
        if asset is None or not asset.destinations:
            return None
        first = asset.destinations[0]
        return s3_url(first.bucket, first.key, self.target.region)

    def via_change_set(self, cfn: object, state: StackState, template: dict[str, str]) -> int:
        """Create the change set, show it, guard it, then execute it (or stop: dry run)."""
        options = self.options
        name = change_set_name(self.started)
        self.change_set_sent = True
        change_set = create_change_set(
            cfn,
            state=state,
            name=name,
            template=template,
            role_arn=self.target.execution_role_arn,
            timeout=options.timeout,
            poll=options.poll,
            sleep=self.io.sleep,
            token=self.token,
        )
        self.change_set, self.stack_id = change_set, change_set.stack_id
        if change_set.empty:
            discard_change_set(cfn, change_set, state)
            self._check_deployed(cfn)
            self.console.print(
                f"[green]no changes[/green]: {state.name} already runs this template"
            )
            return self._finish(cfn, "no-changes", None)
        if change_set.status != "CREATE_COMPLETE":
            discard_change_set(cfn, change_set, state)
            raise AwsFailure(
                f"change set {name} failed: {change_set.reason or change_set.status}", 1
            )
        self._print_changes(change_set)
        refusal = self._not_gated(cfn, change_set)
        if refusal:
            discard_change_set(cfn, change_set, state)
            self._write("refused", message=refusal)
            self.console.print(f"[red]{escape(refusal)}[/red]")
            return 1
        risky = [c for c in change_set.changes if c.replaces_data_store]
        if risky and options.env.name in PROTECTED_ENVIRONMENTS and not options.allow_replace:
            discard_change_set(cfn, change_set, state)
            names = ", ".join(f"{c.logical_id} ({c.type})" for c in risky)
            message = (
                f"refused: the change set replaces data store(s) in {options.env.name}: {names}; "
                "pass --allow-replace to accept the data loss"
            )
            self._write("refused", message=message)
            self.console.print(f"[red]{escape(message)}[/red]")
            return 1
        if options.dry_run:
            discard_change_set(cfn, change_set, state)
            self.console.print("dry run: the change set was deleted, nothing was deployed")
            return self._finish(cfn, "dry-run", None)
        if not options.yes:
            question = f"Deploy {len(change_set.changes)} change(s) to {state.name}?"
            if not self.io.confirm(question, self.console):
                discard_change_set(cfn, change_set, state)
                message = "declined at the prompt: the change set was deleted"
                self._write("refused", message=message)
                self.console.print(message)
                return 1
        since = datetime.now(UTC) - CLOCK_SKEW
        self._execute(cfn, change_set)
        return self._finish(cfn, None, self._wait(cfn, since))

    def _execute(self, cfn: object, change_set: ChangeSet) -> None:
        """ExecuteChangeSet, sent once; a lost answer is settled by reading the change set
        (AVAILABLE: it was not executed), never by sending the call again."""
        self.executing = True
        doing = f"executing change set {change_set.id}"
        try:
            (self.once or cfn).execute_change_set(  # type: ignore[attr-defined]
                ChangeSetName=change_set.id,
                StackName=change_set.stack_id,
                ClientRequestToken=self.token,
            )
        except ClientError as error:
            self.executing = False
            raise AwsFailure(f"{doing}: {describe_error(error)}", 1) from None
        except TRANSPORT_ERRORS as error:
            lost = describe_error(error)
            status = execution_status(cfn, change_set)
            if status == "AVAILABLE":
                self.executing = False
                raise AwsFailure(
                    f"{doing}: {lost}; the change set is still AVAILABLE: nothing was executed",
                    1,
                ) from None
            self.console.print(
                f"ExecuteChangeSet's answer was lost ({lost}); the change set is {status}: "
                "waiting for the stack",
                highlight=False,
            )

    def _not_gated(self, cfn: object, change_set: ChangeSet) -> str | None:
        """Why the change set is not the gated template's (None: it is)."""
        foreign = foreign_changes(change_set.changes, self.target.template)
        if foreign:
            names = ", ".join(f"{c.logical_id} ({c.type}, {c.action})" for c in foreign)
            return (
                f"refused: the change set changes resources the gated template does not "
                f"declare: {names}"
            )
        held = template_sha256(cfn, change_set.stack_id, change_set.id)
        if held != self.target.sha256:
            return (
                f"refused: the change set's template has SHA-256 {held}, not the gated "
                f"{self.target.sha256}"
            )
        return None

    def _check_deployed(self, cfn: object) -> None:
        """The stack runs the gated template (GetTemplate hashed), else exit 1."""
        assert self.stack_id is not None
        held = template_sha256(cfn, self.stack_id)
        if held != self.target.sha256:
            raise AwsFailure(
                f"{self.target.stack_name} runs a template with SHA-256 {held}, not the gated "
                f"{self.target.sha256}",
                1,
            )

    def _direct(self, cfn: object, state: StackState, template: dict[str, str]) -> int:
        if self.options.dry_run:
            self.console.print("dry run: --method direct has no change set to show; nothing sent")
            return self._finish(cfn, "dry-run", None)
        since = datetime.now(UTC) - CLOCK_SKEW
        self.executing = True
        stack_id = direct(
            self.once or cfn,
            state=state,
            template=template,
            role_arn=self.target.execution_role_arn,
            token=self.token,
        )
        if stack_id is None:
            self.executing = False
            self.stack_id = state.stack_id
            self._check_deployed(cfn)
            self.console.print(
                f"[green]no changes[/green]: {state.name} already runs this template"
            )
            return self._finish(cfn, "no-changes", None)
        self.stack_id = stack_id
        return self._finish(cfn, None, self._wait(cfn, since))

    def _wait(self, cfn: object, since: datetime) -> Outcome:
        assert self.stack_id is not None
        return wait_for_stack(
            cfn,
            self.stack_id,
            since=since,
            console=self.console,
            timeout=self.deadline - time.monotonic(),
            poll=self.options.poll,
            sleep=self.io.sleep,
            on_status=self._seen,
        )

    def _seen(self, status: str) -> None:
        self.last_status = status

    def _finish(self, cfn: object, fixed: rec.Outcome | None, outcome: Outcome | None) -> int:
        status = None
        outputs_: dict[str, str] = {}
        if self.stack_id and fixed != "dry-run":
            with aws_errors("reading the stack outputs"):
                stacks = cfn.describe_stacks(StackName=self.stack_id)["Stacks"]  # type: ignore[attr-defined]
            status = stacks[0]["StackStatus"]
            outputs_ = {
                o["OutputKey"]: str(o.get("OutputValue", ""))
                for o in stacks[0].get("Outputs") or []
            }
        if outcome is not None and not outcome.succeeded:
            failures = [
                rec.FailureRecord(
                    logical_id=f.logical_id, type=f.type, status=f.status, reason=f.reason
                )
                for f in outcome.failures
            ]
            kind: rec.Outcome = "rolled-back" if "ROLLBACK" in outcome.status else "failed"
            self.console.print(f"[red]deployment failed: {outcome.status}[/red]")
            for failure in failures:
                self.console.print(
                    f"  {escape(failure.logical_id)} ({escape(failure.type)}) {failure.status}: "
                    f"{escape(failure.reason)}",
                    highlight=False,
                )
            self._write(
                kind, stack_status=outcome.status, failures=failures, stack_outputs=outputs_
            )
            return 1
        if fixed is None:
            fixed = "created" if self.creating else "updated"
            self._check_deployed(cfn)
        if outputs_:
            table = Table(title=f"outputs of {self.target.stack_name}", title_justify="left")
            table.add_column("output", overflow="fold")
            table.add_column("value", overflow="fold")
            for key, value in outputs_.items():
                table.add_row(escape(key), escape(value))
            print_table(self.console, table)
        self._write(fixed, stack_status=status, stack_outputs=outputs_)
        self.console.print(f"deployment {fixed}: wrote {self.options.out / rec.FILE_NAME}")
        return 0

    def _asset_line(self, published: Published) -> None:
        verb = {
            "uploaded": "uploaded",
            "replaced": "put over an object of other content",
            "exists": "already there with the same SHA-256",
        }[published.action]
        where = f"s3://{published.bucket}/{published.key}"
        self.console.print(
            f"asset {published.asset_id[:12]} {verb}: {where}", highlight=False, soft_wrap=True
        )

    def _print_changes(self, change_set: ChangeSet) -> None:
        table = Table(title=f"change set of {self.target.stack_name}", title_justify="left")
        for column in ("change", "logical id", "type", "note"):
            table.add_column(column, overflow="fold")
        for change in change_set.changes:
            note = ""
            style = None
            if change.replaces_data_store:
                note, style = "REPLACES A DATA STORE", "bold red"
            elif change.replaces:
                note, style = "replacement", "yellow"
            table.add_row(change.kind, change.logical_id, change.type, note, style=style)
        print_table(self.console, table)
        counts: dict[str, int] = {}
        for change in change_set.changes:
            counts[change.kind] = counts.get(change.kind, 0) + 1
        self.console.print(", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))

    def _write(
        self,
        outcome: rec.Outcome,
        *,
        message: str | None = None,
        stack_status: str | None = None,
        failures: list[rec.FailureRecord] | None = None,
        stack_outputs: dict[str, str] | None = None,
        next_step: str | None = None,
    ) -> None:
        target, options, gate = self.target, self.options, self.record.summary.gate
        url = self.template_url
        document = rec.DeploymentRecord(
            env=options.env.name,
            stack_name=target.stack_name,
            account=target.account,
            region=target.region,
            endpoint_url=options.endpoint_url,
            method=options.method,
            stack_id=self.stack_id,
            change_set_id=self.change_set.id if self.change_set else None,
            template=rec.TemplateSent(
                sha256=target.sha256,
                bytes=len(target.template),
                delivery="s3-url" if url else "inline",
                url=url,
            ),
            gate=rec.GateResult(
                result=gate.result,
                exit_code=gate.exit_code,
                fail_on=gate.fail_on,
                record=publish.RECORD,
            ),
            bootstrap_version=self.bootstrap,
            assets=[
                rec.AssetRecord(
                    id=a.asset_id,
                    bucket=a.bucket,
                    key=a.key,
                    action=a.action,
                    sha256=a.sha256,
                    bytes=a.bytes,
                )
                for a in self.assets
            ],
            changes=[
                rec.ChangeRecord(
                    action=c.action,
                    logical_id=c.logical_id,
                    type=c.type,
                    replacement=c.replacement,
                    data_store=c.replaces_data_store,
                )
                for c in (self.change_set.changes if self.change_set else ())
            ],
            started_at=self.started,
            ended_at=datetime.now(UTC),
            outcome=outcome,
            stack_status=stack_status,
            failures=failures or [],
            outputs=stack_outputs or {},
            message=message,
            next_step=next_step,
        )
        with self.switch.held_back():
            self._store(document)

    def _store(self, document: rec.DeploymentRecord) -> None:
        self.written = True
        self.record, problem = store(document, self.record, self.options.out, self.catalog)
        self.write_problem = self.write_problem or problem
