from admissions.cli import main

main()
