"""The background import of the staff pages' libraries never breaks a page being compiled."""

from __future__ import annotations

import ast
import threading

from ui import warmup


def test_after_the_guard_a_parse_waits_while_another_thread_parses() -> None:
    warmup.serialise_ast_parse()
    warmup.serialise_ast_parse()  # a second call wraps nothing twice
    assert getattr(ast.parse, "_serialised", False)
    done = threading.Event()

    def parse() -> None:
        ast.parse("x = [y for y in range(3)]")
        done.set()

    with warmup._ast_lock:  # as if this thread were in the middle of a parse
        thread = threading.Thread(target=parse)
        thread.start()
        assert not done.wait(0.3)  # the other thread's parse waits
    thread.join(5)
    assert done.is_set()


def test_the_guarded_parse_still_returns_the_tree_and_raises_syntax_errors() -> None:
    warmup.serialise_ast_parse()
    tree = ast.parse("x = 1", "<test>", "exec")
    assert isinstance(tree.body[0], ast.Assign)
    try:
        ast.parse("x = (", "<test>")
    except SyntaxError as error:
        assert error.filename == "<test>"
    else:  # pragma: no cover - the parse must fail
        raise AssertionError("a syntax error passed the guard")
