from dualcheck.cli import main

main()
