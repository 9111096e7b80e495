"""`python -m baosong`: the console script without its installed wrapper."""

from baosong.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
