from asm_tutor.cli import main

raise SystemExit(main())
