from tests.utility import utility

__all__ = ["utility"]
