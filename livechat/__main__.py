from livechat.cli import main

main()
