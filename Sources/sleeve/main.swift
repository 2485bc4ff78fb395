import SleeveCore
print("sleeve")
