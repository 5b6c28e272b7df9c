from asm_tutor.entry import main

raise SystemExit(main())
