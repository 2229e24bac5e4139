"""The examples in the analysis docstrings run and give what they show."""

import doctest
import importlib
import pkgutil

import pytest

import neurotoolkit.analysis as analysis

MODULES = [m.name for m in pkgutil.iter_modules(analysis.__path__)]
WITH_EXAMPLES = {"events", "decoding", "scores", "order"}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"neurotoolkit.analysis.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert (result.attempted > 0) == (name in WITH_EXAMPLES)


def test_every_public_name_is_documented():
    missing = [n for n in analysis.__all__
               if not isinstance(getattr(analysis, n), (tuple, str))
               and not (getattr(analysis, n).__doc__ or "").strip()]
    assert missing == []
    assert len(analysis.__all__) == len(set(analysis.__all__))
