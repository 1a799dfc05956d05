"""The notebook runner: which kernel failures are tried again."""

from nbclient.exceptions import DeadKernelError

from needs_assessment.pipeline.runner import _kernel_start_failure


def test_a_kernel_that_failed_to_start_is_tried_again():
    assert _kernel_start_failure(RuntimeError("Kernel died before replying to kernel_info"))
    assert _kernel_start_failure(OSError("[Errno 98] Address already in use"))


def test_a_kernel_that_died_while_running_is_not():
    assert not _kernel_start_failure(DeadKernelError("Kernel died"))
    assert not _kernel_start_failure(ValueError("No such notebook"))
