print("before exit")
io.stdout:write("unflushed?")
os.exit(5)
